# Streaming anomaly detectors and the timestamp,value series reader.
set(KEELSON_DETECT_DETECTOR_SOURCES)
