#include "cli/output.h"

#include <yaml-cpp/yaml.h>

#include "core/error.h"

namespace keelson::cli {
namespace {

void emitYaml(YAML::Emitter& out, const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::object:
      out << YAML::BeginMap;
      for (const auto& [key, item] : value.items()) {
        out << YAML::Key << key << YAML::Value;
        emitYaml(out, item);
      }
      out << YAML::EndMap;
      return;
    case nlohmann::json::value_t::array:
      out << YAML::BeginSeq;
      for (const auto& item : value) emitYaml(out, item);
      out << YAML::EndSeq;
      return;
    case nlohmann::json::value_t::string:
      out << YAML::DoubleQuoted << value.get<std::string>();
      return;
    case nlohmann::json::value_t::null:
      out << YAML::Null;
      return;
    default:  // numbers and booleans: JSON's spelling is also YAML's
      out << value.dump();
      return;
  }
}

}  // namespace

void addFormatOption(CLI::App& command, std::string& format,
                     const std::vector<std::string>& allowed) {
  std::string names;
  for (const auto& name : allowed) names += (names.empty() ? "" : ", ") + name;
  command.add_option("-o,--output", format, "output format: " + names)
      ->check(CLI::IsMember(allowed))
      ->capture_default_str();
}

std::string renderDocument(const nlohmann::json& doc, const std::string& format) {
  if (format == "json")
    return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  if (format == "yaml") {
    YAML::Emitter out;
    emitYaml(out, doc);
    return std::string(out.c_str()) + "\n";
  }
  throw Error(ErrorCode::kBadInput, "output format \"" + format + "\": expected json or yaml");
}

}  // namespace keelson::cli
