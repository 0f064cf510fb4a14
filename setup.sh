#!/usr/bin/env bash
# Install what slsh needs on Debian 12 (apt-get, npm) and build it.
# Safe to run any number of times: it installs only what is missing and
# rebuilds only what changed.
#   ./setup.sh            dependencies + build/ (release with debug info)
#   ./setup.sh --asan     the same, plus build-asan/ (ASan + UBSan)
# SLSH_WERROR=ON ./setup.sh makes warnings errors (test.sh and CI do; a
# plain build never fails on a newer compiler's new warning).
set -euo pipefail
cd "$(dirname "$0")"

packages=(
  build-essential cmake pkg-config git
  liblua5.4-dev lua5.4 libcurl4-openssl-dev libssl-dev libjansson-dev
  libedit-dev libprotobuf-c-dev protobuf-c-compiler liblz4-dev
  libcmocka-dev lua-busted lua-check python3 openssl tmux valgrind locales
  clang libclang-rt-14-dev groff-base zsh
)
# Node.js and npm run the official SDKs in tests/peer; any node >= 18 does.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci again whenever the lock file changed since the last install (a
# copy of it is kept in node_modules as the stamp).
if [ -f tests/peer/package-lock.json ] \
   && ! cmp -s tests/peer/package-lock.json tests/peer/node_modules/.slsh-lock; then
  echo "setup: installing the official SDKs for tests/peer (npm ci)"
  (cd tests/peer && npm ci --no-audit --no-fund --loglevel=error \
     && cp package-lock.json node_modules/.slsh-lock)
fi

jobs=$(nproc 2>/dev/null || echo 2)
werror=-DSLSH_WERROR="${SLSH_WERROR:-OFF}"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo "$werror" >/dev/null
cmake --build build -j"$jobs"
if [ "${1:-}" = "--asan" ]; then
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSLSH_ASAN=ON \
    "$werror" >/dev/null
  cmake --build build-asan -j"$jobs"
fi
