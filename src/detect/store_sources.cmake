# The CSV dataset writer and the SQLite history store.
set(KEELSON_DETECT_STORE_SOURCES)
set(KEELSON_DETECT_STORE_DEPS)
