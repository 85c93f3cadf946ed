# Writes src/cli/build_info.h.in's output for the tree at SOURCE_DIR into OUTPUT, run at every
# build (src/cli/CMakeLists.txt). The file is rewritten only when the commit changes, so a build
# without a new commit recompiles nothing; the date is that of the first build of the commit
# (SOURCE_DATE_EPOCH, when set, for reproducible builds).
execute_process(COMMAND git rev-parse HEAD WORKING_DIRECTORY ${SOURCE_DIR}
                OUTPUT_VARIABLE KEELSON_GIT_COMMIT OUTPUT_STRIP_TRAILING_WHITESPACE
                ERROR_QUIET RESULT_VARIABLE git_result)
if(NOT git_result EQUAL 0 OR KEELSON_GIT_COMMIT STREQUAL "")
  set(KEELSON_GIT_COMMIT "unknown")
endif()
if(EXISTS ${OUTPUT})
  file(READ ${OUTPUT} previous)
  string(FIND "${previous}" "\"${KEELSON_GIT_COMMIT}\"" found)
  if(NOT found EQUAL -1)
    return()
  endif()
endif()
string(TIMESTAMP KEELSON_BUILD_DATE "%Y-%m-%dT%H:%M:%SZ" UTC)
configure_file(${INPUT} ${OUTPUT} @ONLY)
