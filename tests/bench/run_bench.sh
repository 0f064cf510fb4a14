#!/bin/sh
# Run the benchmarks of docs/performance.md from a build directory:
#   tests/bench/run_bench.sh [build-dir] [runs]
# 1. bench_sign: signatures per second of each signer next to the bare
#    OpenSSL work of the same signature.
# 2. Start-up: `slsh -e ''` next to `lua5.4 -e ''`, `runs` times each
#    (default 200), as wall time per run.
set -eu
build=${1:-build}
runs=${2:-200}

echo "== machine"
uname -srm
grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //' || true
echo "cores: $(nproc)   load: $(cut -d' ' -f1-3 /proc/loadavg)"
openssl version

echo
echo "== signing ($build/bench_sign)"
"$build/bench_sign" 0.5 | tee /tmp/slsh-bench-sign.$$

# The official Node.js SDKs' signers on the same requests, in the same run
# (needs tests/peer/node_modules: ./setup.sh installs it).
here=$(dirname "$0")
if command -v node >/dev/null 2>&1 && [ -d "$here/../peer/node_modules" ]; then
  echo
  echo "== the official SDKs' signers (tests/bench/sdk_sign_bench.js)"
  node "$here/sdk_sign_bench.js" 0.5 | tee /tmp/slsh-bench-sdk.$$
  echo
  echo "== slsh against the ideal and against the SDK"
  awk -F'  +' '
    FNR == 1 { file++ }
    file == 1 && FNR > 1 { slsh[$1] = $2; ideal[$1] = $3; order[++n] = $1 }
    file == 2 && FNR > 2 { sdk[$1] = $2 }
    END {
      printf "%-32s %10s %10s %10s %11s %9s\n", "signer (request)", "slsh/s",
             "ideal/s", "SDK/s", "slsh/ideal", "slsh/SDK"
      for (i = 1; i <= n; i++) {
        k = order[i]
        printf "%-32s %10d %10d %10d %11.2f %9.2f\n", k, slsh[k], ideal[k], sdk[k],
               slsh[k] / ideal[k], sdk[k] ? slsh[k] / sdk[k] : 0
      }
    }' /tmp/slsh-bench-sign.$$ /tmp/slsh-bench-sdk.$$
  rm -f /tmp/slsh-bench-sdk.$$
fi
rm -f /tmp/slsh-bench-sign.$$

# Wall time of `runs` runs of a command, in ms per run.
per_run() {
  start=$(date +%s%N)
  i=0
  while [ "$i" -lt "$runs" ]; do
    "$@" >/dev/null
    i=$((i + 1))
  done
  end=$(date +%s%N)
  echo "$(( (end - start) / runs / 1000 ))" | awk '{ printf "%.2f ms", $1 / 1000 }'
}

echo
echo "== start-up, $runs runs each"
if command -v hyperfine >/dev/null 2>&1; then
  hyperfine -N -w 20 -r "$runs" "$build/slsh -e ''" "lua5.4 -e ''"
else
  # One warm-up run each, so that both start from the page cache.
  "$build/slsh" -e '' && lua5.4 -e ''
  echo "slsh -e ''            $(per_run "$build/slsh" -e '')"
  echo "lua5.4 -e ''          $(per_run lua5.4 -e '')"
  echo "slsh -e 'local _ = slsh.sign'  $(per_run "$build/slsh" -e 'local _ = slsh.sign')"
fi
# CPU time per run (task-clock) is steadier than wall time on a shared
# machine; the goal is slsh <= 3x lua5.4.
if command -v perf >/dev/null 2>&1; then
  echo
  echo "== start-up CPU (perf stat task-clock, $runs runs each)"
  for c in "lua5.4 -e ''" "$build/slsh -e ''" "$build/slsh -e 'local _ = slsh.http.engine()'"; do
    printf "%-44s %s ms\n" "$c" \
      "$(eval perf stat -r "$runs" -x, -e task-clock "$c" 2>&1 >/dev/null | tail -1 | cut -d, -f1)"
  done
fi
