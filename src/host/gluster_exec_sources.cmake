# Host exec and the GlusterFS collector: part of keelson::host.
# Included from src/host/CMakeLists.txt:
#   include(${CMAKE_CURRENT_SOURCE_DIR}/gluster_exec_sources.cmake)
#   keelson_module(host SOURCES ... ${KEELSON_HOST_GLUSTER_SOURCES}
#                  DEPS keelson::core ${KEELSON_HOST_GLUSTER_DEPS})
set(KEELSON_HOST_GLUSTER_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/exec.cpp
  ${CMAKE_CURRENT_LIST_DIR}/gluster_xml.cpp
  ${CMAKE_CURRENT_LIST_DIR}/gluster.cpp)
# keelson::core already brings spdlog, fmt, nlohmann_json and Threads.
set(KEELSON_HOST_GLUSTER_DEPS pugixml::pugixml)
