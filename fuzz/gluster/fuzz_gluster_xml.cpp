// Feeds arbitrary bytes to every `gluster --xml` parser and to the reply classifier. Parsers
// may only throw keelson::Error (kBadInput, GlusterOpError); anything else is a finding.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"
#include "host/gluster.h"
#include "host/gluster_xml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view xml(reinterpret_cast<const char*>(data), size);
  using keelson::Error;
  namespace host = keelson::host;
  try {
    (void)host::parseVolumeInfoXml(xml);
  } catch (const Error&) {
  }
  try {
    (void)host::parseVolumeStatusXml(xml);
  } catch (const Error&) {
  }
  try {
    (void)host::parsePeerStatusXml(xml);
  } catch (const Error&) {
  }
  try {
    (void)host::parseHealInfoXml(xml);
  } catch (const Error&) {
  }
  (void)host::splitBrickName(xml);
  keelson::core::RunResult run;
  run.out = std::string(xml);
  run.exit_code = size % 3 == 0 ? 0 : 1;
  const host::GlusterReply reply = host::classifyGlusterReply(run, "fuzz");
  if (reply.kind == host::GlusterReply::Kind::kXml) {
    try {
      (void)host::parseVolumeInfoXml(reply.xml);
    } catch (const Error&) {
    }
  }
  return 0;
}
