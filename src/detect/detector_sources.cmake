# Streaming anomaly detectors, the timestamp,value series reader and the NAB scorer (which decodes
# NAB's small JSON config with nlohmann_json, linked publicly through keelson::core).
set(KEELSON_DETECT_DETECTOR_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/anomaly_detector.cpp
  ${CMAKE_CURRENT_LIST_DIR}/nab_scorer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/series_csv.cpp)
set(KEELSON_DETECT_DETECTOR_DEPS nlohmann_json::nlohmann_json)
