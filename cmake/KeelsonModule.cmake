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
# tests that need the test control plane pass PROPERTIES FIXTURES_REQUIRED cluster. Each label L
# also adds the executable to the build target tests_L, so one label selects both what to build
# and what to run: `cmake --build --preset tsan --target tests_tsan && ctest --preset tsan -L tsan`.
function(keelson_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS;PROPERTIES" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main
                                        keelson_warnings)
  # tests/common: helpers every test may use ("common/temp_dir.h").
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  # The test code itself is built for build time, not run time: one translation unit per
  # executable (a unity build: its files parse GoogleTest and keelson's headers once, not once
  # each) and -O0 instead of the preset's -O2 (keelson's libraries keep the preset's flags). The
  # files of one executable therefore give their helpers names of their own.
  set_target_properties(${name} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 0)
  target_compile_options(${name} PRIVATE -O0)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES ${ARG_PROPERTIES})
  # The labels (a list, which gtest_discover_tests' PROPERTIES would split) and the paths the tests
  # read at run time (tests/common/test_env.h) are set on the discovered cases by a script ctest
  # includes after gtest's own. The paths are environment, not compile definitions, so a test
  # executable does not depend on where its tree was cloned.
  set(script ${CMAKE_CURRENT_BINARY_DIR}/${name}_properties.cmake)
  file(GENERATE OUTPUT ${script} CONTENT "if(${name}_TESTS)
  set_tests_properties(\${${name}_TESTS} PROPERTIES
    LABELS [==[${ARG_LABELS}]==]
    ENVIRONMENT [==[KEELSON_SOURCE_DIR=${PROJECT_SOURCE_DIR};KEELSON_BINARY=$<TARGET_FILE:keelson>]==])
endif()
")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${script})
  foreach(label IN LISTS ARG_LABELS)
    if(NOT TARGET tests_${label})
      add_custom_target(tests_${label})
    endif()
    add_dependencies(tests_${label} ${name})
  endforeach()
endfunction()
