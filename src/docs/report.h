#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace keelson::docs {

/// Renders a capture document (app::toJson(Capture), or its "host" member alone via
/// renderHostReport) as the human-readable report `keelson capture` prints: a host section, a
/// cluster section and a per-node table, then pods when the document lists them. Rendering from
/// the document guarantees that the text and the JSON say the same thing. Sections that failed
/// print their error in place. Never throws on a document missing members; shows "-" instead.
std::string renderReport(const nlohmann::json& capture);

/// The host section alone (what `keelson host` prints), from host::toJson(HostSnapshot).
std::string renderHostReport(const nlohmann::json& host);

}  // namespace keelson::docs
