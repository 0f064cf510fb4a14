#!/usr/bin/env bash
# The main job of slsh, end to end, with no cloud: roll BYOK out over a
# demo estate of Simple Log Service projects in three regions, served by
# the bundled emulator (tests/emulator, a strict local fake of SLS, RAM,
# KMS and STS).
#   1. ./setup.sh: install what is missing (apt-get) and build build/slsh
#   2. make-estate: 30 projects + a Cloud Firewall project per region, in
#      every encryption state, keys Enabled/Disabled/PendingDeletion
#   3. the emulator on a free port; slsh talks to it with --connect-to
#   4. byok-rollout: plan, apply (canary, journal, report), plan again
#   5. audit: what the estate looks like now
#   6. the emulator's state before and after, compared field by field
# The report, the journal and the states are kept in ./demo-out/ (or
# $DEMO_OUT) for you to open. Exit status 0 when every step did what it
# should.
set -euo pipefail
cd "$(dirname "$0")"

echo "== setup: install what is missing and build (minutes the first time, seconds after)"
setup_log=$(mktemp)
if ! ./setup.sh >"$setup_log" 2>&1; then
  tail -n 40 "$setup_log"
  echo "demo: ./setup.sh failed (whole log: $setup_log)" >&2
  exit 1
fi
rm -f "$setup_log"

# What the user may want to open afterwards stays here; a rerun starts
# afresh (an old journal would make the apply skip everything).
out=${DEMO_OUT:-$PWD/demo-out}
mkdir -p "$out"
rm -f "$out/journal.jsonl" "$out/journal.jsonl.old" "$out/report.json" \
  "$out/audit.json" "$out/estate.json" "$out/after.json"
work=$(mktemp -d)
emu_pid=""
stop_emulator() {
  if [ -n "$emu_pid" ]; then
    kill -TERM "$emu_pid" 2>/dev/null || true
    wait "$emu_pid" 2>/dev/null || true
    emu_pid=""
  fi
}
trap 'stop_emulator; rm -rf "$work"' EXIT

regions=cn-hangzhou,cn-shanghai,ap-southeast-1
echo "== a demo estate: 30 projects over $regions, plus Cloud Firewall's"
tests/emulator/make-estate --projects 30 --logstores 1 --regions "$regions" \
  --seed 7 --out "$out/estate.json" 2>/dev/null

tests/emulator/slsh-emulator --listen 127.0.0.1:0 --state "$out/estate.json" \
  --dump "$out/after.json" >"$work/emulator.log" 2>&1 &
emu_pid=$!
url=""
for _ in $(seq 100); do
  url=$(sed -n '1s/^listening //p' "$work/emulator.log")
  [ -n "$url" ] && break
  kill -0 "$emu_pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$url" ]; then
  cat "$work/emulator.log" >&2
  echo "demo: the emulator did not start" >&2
  exit 1
fi
echo "emulator listening on $url"

# The estate's RAM user rollout-operator (a fake key only the emulator knows).
export ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI5tEmulatorOperator02
export ALIBABA_CLOUD_ACCESS_KEY_SECRET=emulator-operator-secret-not-real-02

# Run slsh against the emulator; 0 and 3 (finished, some logstores
# refused) are expected, anything else stops the demo.
slsh() {
  local shown="" a
  for a in "$@"; do
    case $a in
      *[!A-Za-z0-9_./=,:-]*) shown="$shown '$a'" ;;
      *) shown="$shown $a" ;;
    esac
  done
  echo
  echo "\$ slsh --connect-to $url$shown"
  local rc=0
  build/slsh --connect-to "$url" "$@" || rc=$?
  case $rc in
    0) echo "(exit status 0)" ;;
    3) echo "(exit status 3: finished; some logstores are refused, each with its reason)" ;;
    *) echo "demo: slsh exited $rc" >&2; exit 1 ;;
  esac
}

echo
echo "== 1. plan: what would change, what cannot, and why (nothing is written)"
slsh run byok-rollout --region "$regions" --key alias/slsh-byok --logstore '*'

echo
echo "== 2. apply: a canary of 3 first, then the rest; journal and report"
slsh run byok-rollout --region "$regions" --key alias/slsh-byok --logstore '*' \
  --apply --canary 3 --journal "$out/journal.jsonl" --report "$out/report.json"

echo
echo "== 3. again: everything that could be done is done"
slsh run byok-rollout --region "$regions" --key alias/slsh-byok --logstore '*' --quiet

echo
echo "== 4. audit: every logstore's encryption, key and role, and what needs care"
slsh run audit --region "$regions" --logstore '*' --quiet --report "$out/audit.json"

echo
echo "== 5. what changed in the emulator's state, field by field"
stop_emulator
python3 - "$out/estate.json" "$out/after.json" "$out/report.json" <<'EOF'
import json, sys
before, after, report = (json.load(open(p)) for p in sys.argv[1:4])
def stores(state):
    return {(p["name"], ls["logstoreName"]): ls
            for p in state["projects"] for ls in p["logstores"]}
b, a = stores(before), stores(after)
assert b.keys() == a.keys(), "logstores appeared or disappeared"
changed = {}
for k in b:
    for f in set(b[k]) | set(a[k]):
        if b[k].get(f) != a[k].get(f):
            changed.setdefault(f, set()).add(k)
applied = {(r["project"], r["logstore"]) for r in report if r["status"] == "applied"}
for f in sorted(changed):
    print("%-15s changed on %d logstores" % (f, len(changed[f])))
print("every other field of all %d logstores is unchanged" % len(b))
assert set(changed) <= {"encrypt_conf", "lastModifyTime"}, sorted(changed)
assert changed.get("encrypt_conf", set()) == applied, "changes differ from the report"
print("the changed encrypt_confs are exactly the %d the report lists as applied"
      % len(applied))
EOF
echo
echo "demo: done. Kept for you to open:"
echo "  $out/report.json    every logstore of the apply: status, reason, request id"
echo "  $out/journal.jsonl  what the apply wrote (a rerun with it resumes)"
echo "  $out/audit.json     the audit afterwards"
echo "  $out/estate.json, $out/after.json  the emulator's state before and after"
echo "next, on your own account (read-only): build/slsh --region REGION run audit --logstore '*'"
