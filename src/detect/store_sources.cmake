# The CSV dataset writer and the SQLite history store.
set(KEELSON_DETECT_STORE_SOURCES
  ${CMAKE_CURRENT_SOURCE_DIR}/csv_dataset.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/history_store.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/sqlite.cpp)
set(KEELSON_DETECT_STORE_DEPS SQLite::SQLite3)
