# Sanitizers for every target:
# - KEELSON_SANITIZE (the `asan` preset): AddressSanitizer + UndefinedBehaviorSanitizer.
# - KEELSON_TSAN (the `tsan` preset): ThreadSanitizer. It cannot be combined with ASan (the two
#   runtimes own the same shadow memory), so turning both on is a configure error.
# - KEELSON_FUZZ (the `fuzz` preset, clang): libFuzzer's coverage instrumentation
#   (-fsanitize=fuzzer-no-link) and ASan+UBSan on every target, keelson's libraries included, so
#   the fuzzer is guided by the coverage of the parsers themselves, not only of the fuzz target
#   files; the fuzz targets add libFuzzer's main (-fsanitize=fuzzer, fuzz/CMakeLists.txt).
# Third-party libraries come from Debian and are not instrumented; races that TSan reports inside
# them (and only them) are suppressed at run time by tests/tsan.supp.
if(KEELSON_SANITIZE AND KEELSON_TSAN)
  message(FATAL_ERROR "KEELSON_SANITIZE (ASan+UBSan) and KEELSON_TSAN (ThreadSanitizer) cannot "
                      "both be ON: use the asan or the tsan preset")
endif()
if(KEELSON_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "KEELSON_FUZZ needs clang (libFuzzer): use the fuzz preset")
  endif()
  if(KEELSON_TSAN)
    message(FATAL_ERROR "KEELSON_FUZZ (ASan+UBSan) and KEELSON_TSAN cannot both be ON")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
if(KEELSON_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
if(KEELSON_TSAN)
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
  # GCC 12 warns (-Wtsan, an error with KEELSON_WERROR) that TSan does not model
  # std::atomic_thread_fence, which Boost.Asio's fenced_block uses around every handler. Asio
  # hands handlers between threads through its mutex-guarded queues, which TSan does see. Asio
  # reaches several modules (server, and app through server/tls.h), so the whole tsan build takes
  # the option; no other preset's flags change.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    add_compile_options(-Wno-tsan)
  endif()
endif()
