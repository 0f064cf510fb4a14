# Test registration: every file that follows the naming rule becomes a
# ctest test, so adding a test never needs an edit here.
#   tests/core/test_<name>.c       cmocka, linked with libslsh.a
#   tests/lua/<name>_spec.lua      busted, run by the slsh binary itself
#   tests/emulator/test_*.py       the emulator's own unittest suite
#   tests/repl/test_*.py           the REPL driven in a pseudo-terminal
#   tests/integration/*_spec.lua   workflows end to end (busted, emulator)
#   tests/fuzz/fuzz_*.c            each libFuzzer target replayed over seeds
#   tests/install/test_install.sh  the installed tree (DESTDIR)
#
# Labels pick a part: `ctest -L unit` (C tests and specs that need no
# server: seconds), integration (specs against the emulator), emulator,
# repl, peer, fuzz, install, lint.
find_package(Python3 COMPONENTS Interpreter)
pkg_check_modules(CMOCKA IMPORTED_TARGET cmocka)

set(SLSH_TEST_ENV
  "SLSH_SOURCE_DIR=${PROJECT_SOURCE_DIR}"
  "SLSH_BIN=$<TARGET_FILE:slsh_cli>"
  "SLSH_MODULE_DIR=$<TARGET_FILE_DIR:slsh_module>"
  "SLSH_EMULATOR=${PROJECT_SOURCE_DIR}/tests/emulator/slsh-emulator"
  "SLSH_ASAN=$<BOOL:${SLSH_ASAN}>"
  "HOME=${PROJECT_BINARY_DIR}/test-home")
file(MAKE_DIRECTORY ${PROJECT_BINARY_DIR}/test-home)

# A non-English locale (decimal comma, localised month names) for the tests
# that prove JSON numbers and HTTP dates ignore the process locale. Built
# into the build tree, so nothing on the machine changes; without localedef
# and the locale sources (Debian's `locales`) those tests skip.
set(SLSH_LOCPATH ${PROJECT_BINARY_DIR}/locale)
if(NOT EXISTS ${SLSH_LOCPATH}/de_DE.UTF-8)
  find_program(LOCALEDEF localedef)
  if(LOCALEDEF)
    file(MAKE_DIRECTORY ${SLSH_LOCPATH})
    execute_process(COMMAND ${LOCALEDEF} -i de_DE -f UTF-8
                            ${SLSH_LOCPATH}/de_DE.UTF-8
                    RESULT_VARIABLE localedef_rc OUTPUT_QUIET ERROR_QUIET)
  endif()
endif()
list(APPEND SLSH_TEST_ENV "LOCPATH=${SLSH_LOCPATH}"
     "LSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/tests/lsan.supp")

if(CMOCKA_FOUND)
  file(GLOB core_tests CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/core/test_*.c)
  foreach(src IN LISTS core_tests)
    get_filename_component(name ${src} NAME_WE)
    add_executable(${name} ${src})
    target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/core
                               ${PROJECT_SOURCE_DIR}/tests/core)
    target_link_libraries(${name} PRIVATE slsh PkgConfig::CMOCKA)
    add_test(NAME core/${name} COMMAND ${name})
    set_tests_properties(core/${name} PROPERTIES ENVIRONMENT "${SLSH_TEST_ENV}"
                         LABELS unit)
  endforeach()
else()
  message(WARNING "cmocka not found: C unit tests are not built")
endif()

foreach(dir lua integration)
  file(GLOB specs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/${dir}/*_spec.lua)
  foreach(spec IN LISTS specs)
    get_filename_component(name ${spec} NAME_WE)
    add_test(NAME ${dir}/${name}
             COMMAND slsh_cli ${PROJECT_SOURCE_DIR}/tests/support/busted_runner.lua
                     --output=TAP ${spec}
             WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
    # A spec that starts the emulator (tests/support/cloud.lua or
    # emulator.lua) is an integration test; the others are unit tests.
    file(READ ${spec} text)
    if(dir STREQUAL "integration" OR
       text MATCHES "require *\\(?\"(cloud|emulator)\"")
      set(labels integration)
    else()
      set(labels unit)
    endif()
    if(name MATCHES "^peer_")
      list(APPEND labels peer)
    endif()
    set_tests_properties(${dir}/${name} PROPERTIES ENVIRONMENT "${SLSH_TEST_ENV}"
                         TIMEOUT 600 LABELS "${labels}")
  endforeach()
endforeach()

# Suites that do not run slsh code (or that run it many times under a
# terminal) are registered once, in the normal build only.
if(Python3_FOUND AND NOT SLSH_ASAN)
  file(GLOB py_suites CONFIGURE_DEPENDS
       ${PROJECT_SOURCE_DIR}/tests/emulator/test_*.py
       ${PROJECT_SOURCE_DIR}/tests/repl/test_*.py)
  foreach(py IN LISTS py_suites)
    get_filename_component(name ${py} NAME_WE)
    get_filename_component(dir ${py} DIRECTORY)
    get_filename_component(dirname ${dir} NAME)
    add_test(NAME ${dirname}/${name}
             COMMAND ${Python3_EXECUTABLE} -m unittest -v ${name}
             WORKING_DIRECTORY ${dir})
    set_tests_properties(${dirname}/${name} PROPERTIES
                         ENVIRONMENT "${SLSH_TEST_ENV}" TIMEOUT 600
                         LABELS ${dirname})
  endforeach()
endif()

# tests/peer: the official Node.js SDKs against the emulator.
if(EXISTS ${PROJECT_SOURCE_DIR}/tests/peer/run.sh AND NOT SLSH_ASAN)
  add_test(NAME peer/sdk COMMAND bash ${PROJECT_SOURCE_DIR}/tests/peer/run.sh
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}/tests/peer)
  set_tests_properties(peer/sdk PROPERTIES ENVIRONMENT "${SLSH_TEST_ENV}"
                       TIMEOUT 900 LABELS peer)
endif()

# Lint: luacheck over every Lua file of ours.
find_program(LUACHECK luacheck)
if(LUACHECK AND NOT SLSH_ASAN)
  set(lua_dirs "")
  foreach(d lua scripts tests dist docs/examples)
    if(IS_DIRECTORY ${PROJECT_SOURCE_DIR}/${d})
      list(APPEND lua_dirs ${d})
    endif()
  endforeach()
  add_test(NAME lint/luacheck
           COMMAND ${LUACHECK} --no-color -q ${lua_dirs}
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(lint/luacheck PROPERTIES LABELS lint)
endif()

# The installed tree: cmake --install into a temporary DESTDIR, then the
# headers, a C program, the man page and the completion are tried there
# (not under ASan, whose instrumented libslsh.a needs sanitizer flags).
if(NOT SLSH_ASAN)
  add_test(NAME install/tree
           COMMAND bash ${PROJECT_SOURCE_DIR}/tests/install/test_install.sh
                   ${PROJECT_BINARY_DIR})
  set_tests_properties(install/tree PROPERTIES ENVIRONMENT "${SLSH_TEST_ENV}"
                       TIMEOUT 300 LABELS install)
endif()

# The libFuzzer targets, built with any compiler over a small driver that
# replays seed files through them (the whole file, then each line), so
# that every target builds and holds on its seeds in each test run. The
# fuzzing itself needs clang: see tests/fuzz/CMakeLists.txt.
if(NOT SLSH_FUZZ)
  file(GLOB fuzzers CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/fuzz/fuzz_*.c)
  file(GLOB fuzz_seeds CONFIGURE_DEPENDS
       ${PROJECT_SOURCE_DIR}/tests/core/json_corpus/*
       ${PROJECT_SOURCE_DIR}/tests/fuzz/seeds/*)
  foreach(src IN LISTS fuzzers)
    get_filename_component(name ${src} NAME_WE)
    add_executable(replay_${name} ${src}
                   ${PROJECT_SOURCE_DIR}/tests/fuzz/replay.c)
    target_link_libraries(replay_${name} PRIVATE slsh)
    add_test(NAME fuzz/${name} COMMAND replay_${name} ${fuzz_seeds} ${src})
    set_tests_properties(fuzz/${name} PROPERTIES ENVIRONMENT "${SLSH_TEST_ENV}"
                         LABELS fuzz)
  endforeach()
endif()

include(${PROJECT_SOURCE_DIR}/tests/bench/bench.cmake)
