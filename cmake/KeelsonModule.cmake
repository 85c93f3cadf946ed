# keelson_module(NAME SOURCES <files...> [DEPS <targets...>])
# Declares the static library keelson_<NAME> with the alias keelson::<NAME>. Sources include
# each other as "<module>/<file>.h" from src/.
function(keelson_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(keelson_${name} STATIC ${ARG_SOURCES})
  add_library(keelson::${name} ALIAS keelson_${name})
  target_include_directories(keelson_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(keelson_${name} PUBLIC ${ARG_DEPS} PRIVATE keelson_warnings)
endfunction()

# keelson_test(NAME SOURCES <files...> DEPS <targets...> [LABELS <labels...>]
#              [PROPERTIES <ctest property> <value> ...])
# A GoogleTest executable registered with ctest (each TEST becomes one ctest case). Integration
# tests that need the test control plane pass PROPERTIES FIXTURES_REQUIRED cluster.
function(keelson_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS;PROPERTIES" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main
                                        keelson_warnings)
  target_compile_definitions(${name} PRIVATE
    KEELSON_TEST_DATA="${PROJECT_SOURCE_DIR}/tests/data")
  # tests/common: helpers every test may use ("common/temp_dir.h").
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
    PROPERTIES LABELS "${ARG_LABELS}" ${ARG_PROPERTIES})
endfunction()
