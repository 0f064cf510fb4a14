#!/usr/bin/env bash
# Install, build and run every test: the whole suite under ASan + UBSan,
# the C unit tests and the bindings' specs under valgrind, a Release build
# with GCC and a build with clang (unit tests only: they are there for the
# compilers' warnings, which are errors here), then the whole suite in the
# normal build (its ctest summary is the last line).
set -euo pipefail
cd "$(dirname "$0")"
SLSH_WERROR=ON ./setup.sh --asan
jobs=$(nproc 2>/dev/null || echo 2)

echo "== ASan + UBSan build"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs"

echo "== valgrind (C unit tests)"
for t in build/test_*; do
  [ -x "$t" ] || continue
  if ! LOCPATH=build/locale valgrind -q --error-exitcode=99 --leak-check=full \
       --suppressions=tests/valgrind.supp \
       --errors-for-leak-kinds=definite,indirect "$t" >build/valgrind.log 2>&1; then
    cat build/valgrind.log
    echo "valgrind: $t failed"
    exit 1
  fi
  echo "valgrind: $t clean"
done

echo "== valgrind (the Lua bindings, through the slsh binary)"
for spec in sign json encrypt_conf credentials http; do
  if ! valgrind -q --error-exitcode=99 --leak-check=full \
       --errors-for-leak-kinds=definite,indirect \
       build/slsh tests/support/busted_runner.lua "tests/lua/${spec}_spec.lua" \
       >build/valgrind.log 2>&1; then
    cat build/valgrind.log
    echo "valgrind: tests/lua/${spec}_spec.lua failed"
    exit 1
  fi
  echo "valgrind: tests/lua/${spec}_spec.lua clean"
done

# What a packager builds (Release: -O3 brings its own warnings) and the
# other compiler, both with warnings as errors.
echo "== Release build (GCC), unit tests"
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DSLSH_WERROR=ON \
  >/dev/null
cmake --build build-release -j"$jobs"
ctest --test-dir build-release --output-on-failure -j"$jobs" -L unit
if command -v clang >/dev/null 2>&1; then
  echo "== clang build, unit tests"
  CC=clang cmake -S . -B build-clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DSLSH_WERROR=ON >/dev/null
  cmake --build build-clang -j"$jobs"
  ctest --test-dir build-clang --output-on-failure -j"$jobs" -L unit
fi

echo "== normal build"
ctest --test-dir build --output-on-failure -j"$jobs"
