#include "cli/output.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>

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

std::string joined(const std::vector<std::string>& names, const std::string& separator) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : separator) + name;
  return out;
}

}  // namespace

CLI::Option* addFormatOption(CLI::App& command, std::string& format,
                             const std::vector<std::string>& allowed, const std::string& names) {
  const std::string formats = joined(allowed, ", ");
  const std::string formats_list = joined(allowed, ",");
  const CLI::Validator check(
      [allowed, formats](const std::string& value) {
        if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return std::string();
        std::string message =
            "\"" + value + "\" is not an output format (expected one of " + formats + ")";
        // `-o FILE` wrote a file before -o became the format, as kubectl's -o is.
        if (value.find_first_of("./") != std::string::npos) {
          message += "; to write a file use --output-file " + value;
        }
        return message;
      },
      "{" + formats_list + "}");  // shown in --help as CLI11 shows IsMember; read by completion
  return command.add_option(names, format, "output format: " + formats)
      ->check(check)
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

void OutputFlags::add(CLI::App& command, const std::vector<std::string>& formats,
                      const std::string& names) {
  format = formats.front();
  addFormatOption(command, format, formats, names);
  command.add_option("--output-file", file, "write the output to PATH instead of standard output")
      ->type_name("PATH");
}

void OutputFlags::addLegacyJsonFlags(CLI::App& command) {
  command
      .add_flag_callback(
          "--json", [this] { format = "json"; }, "deprecated: -o json")
      ->group("");
  command
      .add_flag_callback(
          "--pretty", [] {}, "deprecated, no effect: -o json is indented")
      ->group("");
}

bool OutputFlags::structured() const { return format == "json" || format == "yaml"; }

void OutputFlags::write(
    const nlohmann::json& doc,
    const std::function<std::string(const std::string& format)>& render_text) const {
  const std::string body = structured() ? renderDocument(doc, format) : render_text(format);
  if (file.empty()) {
    std::cout << body << std::flush;
    return;
  }
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << body;
  out.close();
  if (!out) {
    throw Error(ErrorCode::kBadInput,
                "--output-file " + file + ": cannot write: " + std::strerror(errno));
  }
}

}  // namespace keelson::cli
