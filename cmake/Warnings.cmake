# Compiler warnings shared by every keelson target (through keelson_warnings).
add_library(keelson_warnings INTERFACE)
target_compile_options(keelson_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wformat=2 -Wimplicit-fallthrough)
if(KEELSON_WERROR)
  target_compile_options(keelson_warnings INTERFACE -Werror)
endif()
