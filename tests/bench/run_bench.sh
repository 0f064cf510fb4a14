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
"$build/bench_sign" 0.5

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
