# Benchmarks: built with the tests, never run by ctest (no timed tests).
# tests/bench/run_bench.sh runs them and the start-up comparison.
add_executable(bench_sign ${PROJECT_SOURCE_DIR}/tests/bench/bench_sign.c)
target_link_libraries(bench_sign PRIVATE slsh)
