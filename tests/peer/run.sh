#!/bin/bash
# The peer conformance suite: the official Alibaba Cloud Node.js SDKs
# against the emulator (tests/emulator), and the signature fixtures.
#
#   tests/peer/run.sh [node --test arguments, e.g. one *.test.js file]
#
# Installs the locked SDKs with `npm ci` when node_modules is missing (no
# network needed once they are installed), starts two emulators on
# loopback with tests/peer/state.json (one on the real clock for the
# suites, one with a fixed clock for the fixtures), runs `node --test`
# with redirect.js preloaded, stops the emulators, and exits non-zero on
# any failure.
set -u
cd "$(dirname "$0")" || exit 2
here=$(pwd)

for tool in node npm python3 openssl; do
  command -v "$tool" >/dev/null || { echo "peer: $tool is required" >&2; exit 2; }
done

if [ ! -d node_modules ]; then
  # --ignore-scripts: no SDK needs its install scripts (openapi-core's only
  # installs TypeScript for Node 10/12, protobufjs's checks its CLI).
  npm ci --ignore-scripts --no-audit --no-fund || exit 2
fi

tmp=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_emulator NAME [ARGS...]: sets NAME_http, NAME_https, NAME_ca.
start_emulator() {
  local name=$1; shift
  python3 "${SLSH_EMULATOR:-../emulator/slsh-emulator}" --listen 127.0.0.1:0 --tls \
    --state "$here/state.json" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
  pids+=($!)
  local i
  for i in $(seq 200); do
    grep -q '^ca ' "$tmp/$name.out" && break
    if ! kill -0 "${pids[-1]}" 2>/dev/null; then break; fi
    sleep 0.1
  done
  if ! grep -q '^ca ' "$tmp/$name.out"; then
    echo "peer: the $name emulator did not start:" >&2
    cat "$tmp/$name.out" "$tmp/$name.err" >&2
    exit 2
  fi
  printf -v "${name}_http" '%s' "$(sed -n 's|^listening http://||p' "$tmp/$name.out")"
  printf -v "${name}_https" '%s' "$(sed -n 's|^listening https://||p' "$tmp/$name.out")"
  printf -v "${name}_ca" '%s' "$(sed -n 's|^ca ||p' "$tmp/$name.out")"
}

start_emulator live
start_emulator fixed --clock 2024-01-02T03:04:05Z

export SLSH_PEER_HTTP=$live_http SLSH_PEER_HTTPS=$live_https SLSH_PEER_CA=$live_ca
export NODE_EXTRA_CA_CERTS=$live_ca
export SLSH_PEER_FIXED_HTTP=$fixed_http SLSH_PEER_FIXED_HTTPS=$fixed_https
export SLSH_PEER_FIXED_CA=$fixed_ca
# The SDKs read credentials and endpoints from the environment too: keep
# the developer's own out of the tests.
unset ALIBABA_CLOUD_ACCESS_KEY_ID ALIBABA_CLOUD_ACCESS_KEY_SECRET \
  ALIBABA_CLOUD_SECURITY_TOKEN ALIBABA_CLOUD_CREDENTIALS_FILE \
  ALIBABA_CLOUD_PROFILE ALIBABA_CLOUD_ROLE_ARN ALIBABA_CLOUD_ECS_METADATA \
  ALIBABA_CLOUD_STS_REGION HTTP_PROXY HTTPS_PROXY http_proxy https_proxy

if [ $# -eq 0 ]; then set -- ./*.test.js; fi
NODE_OPTIONS="--require $here/redirect.js" node --test "$@"
