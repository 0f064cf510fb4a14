#!/bin/sh
# The engine at scale, side by side in one run on the emulator (the tables
# of docs/performance.md). Prints figures; never fails on speed.
#
#   tests/bench/rollout_bench.sh [build-dir] [reps] [part...]
#
# parts (default: all): rollout audit
#   rollout  byok-rollout of 1,000 logstores over 100 projects at 20 ms of
#            emulator latency: slsh at --concurrency 1, 8, 32, 64 and the
#            official Node SDK script (tests/bench/node_rollout.js) with 1
#            and 32 promises in flight; `reps` runs each (default 3),
#            medians. Concurrency 1 runs once (80 s a run).
#   audit    `slsh run audit` of 10,000 / 30,000 / 100,000 logstores (100
#            per project) at concurrency 32, no latency: wall, peak RSS of
#            slsh, requests/s; once each.
# CONCS="8 32" limits the concurrencies run (smoke tests).
# Every figure has the emulator's CPU share next to it: its process CPU
# time over the wall time of the run (on 2 cores, 1.0 is a whole core).
set -eu
build=${1:-build}
reps=${2:-3}
shift 2 2>/dev/null || shift $#
parts=${*:-rollout audit}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
slsh=$(cd "$build" && pwd)/slsh
tmp=$(mktemp -d /tmp/slsh-rollout-bench.XXXXXX)
emu_pid=
cleanup() {
  [ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

export ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI5tEmulatorEstate0001
export ALIBABA_CLOUD_ACCESS_KEY_SECRET=emulator-estate-secret-not-real-0001
export HOME="$tmp"          # no profile of the user's
REGION=cn-hangzhou
ROLE=acs:ram::1827364554637281:role/slsh-byok-role

echo "== machine"
uname -srm
echo "cores: $(nproc)   load: $(cut -d' ' -f1-3 /proc/loadavg)"
curl --version | head -1
node --version 2>/dev/null || true

# Start the emulator on `state` with `latency` ms; sets URL and emu_pid.
start_emulator() {
  [ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null || true
  "$root/tests/emulator/slsh-emulator" --state "$1" --latency-ms "$2" \
    >"$tmp/emu.out" 2>&1 &
  emu_pid=$!
  i=0
  while ! grep -q '^listening http://' "$tmp/emu.out" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 300 ] && { cat "$tmp/emu.out"; exit 1; }
    sleep 0.1
  done
  URL=$(sed -n 's/^listening \(http:.*\)/\1/p' "$tmp/emu.out" | head -1)
}

# CPU seconds (user + system) the emulator has used so far.
emu_cpu() {
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f", ($14 + $15) / hz }' \
    "/proc/$emu_pid/stat"
}

# Put the saved state back and zero the counters between runs.
reset_emulator() {
  curl -sf -XPUT --data-binary @"$1" "$URL/__emulator/state" >/dev/null
  curl -sf -XPOST "$URL/__emulator/stats/reset" >/dev/null
}

stat_of() {  # stat_of FIELD: a top-level number of /__emulator/stats
  curl -sf "$URL/__emulator/stats" |
    sed -n "s/.*\"$1\": *\([0-9]*\).*/\1/p"
}

# One measured run of "$@"; appends "wall cpu rss requests conns emu_cpu"
# to $tmp/rows (cpu of the measured process, user + system).
measure() {
  c0=$(emu_cpu)
  /usr/bin/time -f "%e %U %S %M" -o "$tmp/time" "$@" >"$tmp/out" 2>"$tmp/err" ||
    { echo "run failed: $*"; tail -5 "$tmp/err"; tail -5 "$tmp/out"; }
  c1=$(emu_cpu)
  read -r wall user sys rss <"$tmp/time"
  echo "$wall $(echo "$user + $sys" | bc -l) $rss $(stat_of requests)" \
       "$(stat_of api_connections) $(echo "$c1 - $c0" | bc -l)" >>"$tmp/rows"
}

# Median of each column of $tmp/rows, as "wall cpu rss requests conns emu".
medians() {
  for col in 1 2 3 4 5 6; do
    cut -d' ' -f$col "$tmp/rows" | sort -g |
      awk '{ v[NR] = $1 }
           END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
                 printf "%s ", m }'
  done
}

rollout() {
  echo
  echo "== byok-rollout: 1,000 logstores over 100 projects, emulator latency 20 ms"
  "$root/tests/emulator/make-estate" --projects 100 --logstores 10 \
    --regions $REGION --mix unencrypted=100 --no-cloudfirewall \
    --out "$tmp/estate.json" 2>/dev/null
  key=$(sed -n 's/.*"KeyId": "\(key-[^"]*\)".*/\1/p' "$tmp/estate.json" | head -1)
  start_emulator "$tmp/estate.json" 20
  printf "%-22s %4s %7s %7s %9s %7s %9s %9s %9s %8s %7s\n" who conc wall \
    ideal wall/ideal req/ls conn/1k cpu/req emu-share ideal3 runs
  ref32=
  for who in slsh node; do
    for conc in ${CONCS:-1 8 32 64}; do
      [ $who = node ] && [ "$conc" != 1 ] && [ "$conc" != 32 ] && continue
      [ $who = node ] && ! command -v node >/dev/null 2>&1 && continue
      : >"$tmp/rows"
      n=$reps
      [ "$conc" = 1 ] && n=1
      i=0
      while [ $i -lt "$n" ]; do
        reset_emulator "$tmp/estate.json"
        if [ $who = slsh ]; then
          measure "$slsh" --region $REGION --connect-to "$URL" run byok-rollout \
            --key alias/slsh-byok --logstore '*' --apply --quiet \
            --concurrency "$conc" --qps 0
        else
          measure node "$here/node_rollout.js" "$URL" $REGION "$key" $ROLE "$conc"
        fi
        i=$((i + 1))
      done
      set -- $(medians)
      wall=$1 cpu=$2 req=$4 conns=$5 emu=$6
      ideal=$(echo "$req * 0.020 / $conc" | bc -l)
      ideal3=$(echo "3101 * 0.020 / $conc" | bc -l)
      printf "%-22s %4d %7.2f %7.2f %9.2f %7.2f %9.0f %7.0fus %9.2f %8.2f %7d\n" \
        "$who" "$conc" "$wall" "$ideal" "$(echo "$wall / $ideal" | bc -l)" \
        "$(echo "$req / 1000" | bc -l)" "$(echo "$conns * 1000 / $req" | bc -l)" \
        "$(echo "$cpu / $req * 1000000" | bc -l)" "$(echo "$emu / $wall" | bc -l)" \
        "$ideal3" "$n"
      [ $who = slsh ] && [ "$conc" = 32 ] && ref32=$wall
      if [ $who = node ] && [ "$conc" = 32 ] && [ -n "$ref32" ]; then
        echo "slsh(32) / node(32) = $(echo "$ref32 / $wall" | bc -l | cut -c1-4)"
      fi
    done
  done
  echo "ideal = requests x 20 ms / concurrency; ideal3 = the minimum (3 per"
  echo "logstore + 101 listing requests) x 20 ms / concurrency; cpu/req is the"
  echo "client process's user + system time per request; emu-share is the"
  echo "emulator's CPU time over the wall time."
}

audit() {
  echo
  echo "== audit: 100 logstores per project, concurrency 32, no latency"
  printf "%-9s %8s %9s %10s %9s %9s\n" logstores wall peak-RSS requests req/s emu-share
  for n in 10000 30000 100000; do
    "$root/tests/emulator/make-estate" --projects $((n / 100)) --logstores 100 \
      --regions $REGION --no-cloudfirewall --out "$tmp/audit.json" 2>/dev/null
    start_emulator "$tmp/audit.json" 0
    : >"$tmp/rows"
    measure "$slsh" --region $REGION --connect-to "$URL" run audit \
      --logstore '*' --quiet --concurrency 32 --qps 0 --fail-on none
    set -- $(medians)
    printf "%-9d %7.1fs %7.1fMB %10d %9.0f %9.2f\n" "$n" "$1" \
      "$(echo "$3 / 1024" | bc -l)" "$4" "$(echo "$4 / $1" | bc -l)" \
      "$(echo "$6 / $1" | bc -l)"
  done
}

for p in $parts; do "$p"; done
