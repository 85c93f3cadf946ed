// keelson version (and keelson --version): what this binary is and what it was built with, like
// `kubectl version --client`. Shared libraries (libcurl, OpenSSL, SQLite) report the version
// loaded at run time; header-only and compiled-in ones the version compiled against.
#include <curl/curl.h>
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <simdjson.h>
#include <spdlog/version.h>
#include <sqlite3.h>

#include <CLI/CLI.hpp>
#include <boost/version.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <string>

#include "cli/build_info.h"
#include "cli/commands.h"
#include "cli/output.h"

namespace keelson::cli {
namespace {

std::string compiler() {
#if defined(__clang__)
  return fmt::format("clang {}.{}.{}", __clang_major__, __clang_minor__, __clang_patchlevel__);
#elif defined(__GNUC__)
  return fmt::format("gcc {}.{}.{}", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
#else
  return "unknown";
#endif
}

nlohmann::json libraries() {
  std::string boost = BOOST_LIB_VERSION;  // "1_81"
  for (char& c : boost) c = c == '_' ? '.' : c;
  return {{"libcurl", curl_version_info(CURLVERSION_NOW)->version},
          {"openssl", OpenSSL_version(OPENSSL_VERSION_STRING)},
          {"sqlite", sqlite3_libversion()},
          {"simdjson", fmt::format("{}.{}.{}", static_cast<int>(simdjson::SIMDJSON_VERSION_MAJOR),
                                   static_cast<int>(simdjson::SIMDJSON_VERSION_MINOR),
                                   static_cast<int>(simdjson::SIMDJSON_VERSION_REVISION))},
          {"nlohmann-json", fmt::format("{}.{}.{}", NLOHMANN_JSON_VERSION_MAJOR,
                                        NLOHMANN_JSON_VERSION_MINOR, NLOHMANN_JSON_VERSION_PATCH)},
          {"yaml-cpp", KEELSON_YAML_CPP_VERSION},
          {"cli11", CLI11_VERSION},
          {"spdlog", fmt::format("{}.{}.{}", SPDLOG_VER_MAJOR, SPDLOG_VER_MINOR, SPDLOG_VER_PATCH)},
          {"fmt", fmt::format("{}.{}.{}", FMT_VERSION / 10000, FMT_VERSION / 100 % 100,
                              FMT_VERSION % 100)},
          {"boost", boost},
          {"pugixml", fmt::format("{}.{}", PUGIXML_VERSION / 1000, PUGIXML_VERSION % 1000 / 10)}};
}

}  // namespace

std::string renderVersion(const nlohmann::json& doc) {
  std::string out = fmt::format("keelson {}\n", doc.at("gitVersion").get<std::string>());
  for (const char* key : {"gitCommit", "buildDate", "compiler", "platform"}) {
    out += fmt::format("  {:<10} {}\n", std::string(key) + ":", doc.at(key).get<std::string>());
  }
  out += "  libraries:\n";
  for (const auto& [name, version] : doc.at("libraries").items()) {
    out += fmt::format("    {:<14} {}\n", name, version.get<std::string>());
  }
  return out;
}

nlohmann::json versionDocument() {
#if defined(__x86_64__)
  const char* arch = "amd64";
#elif defined(__aarch64__)
  const char* arch = "arm64";
#else
  const char* arch = "unknown";
#endif
  return {{"gitVersion", std::string("v") + kVersion},
          {"gitCommit", kGitCommit},
          {"buildDate", kBuildDate},
          {"compiler", compiler()},
          {"platform", std::string("linux/") + arch},
          {"libraries", libraries()}};
}

void addVersionCommand(CLI::App& app, Action& action) {
  auto* version = app.add_subcommand("version", "print the version, commit, build and libraries");
  auto output = std::make_shared<OutputFlags>();
  output->add(*version, {"text", "json", "yaml"});
  version->callback([&action, output] {
    action = [output] {
      const nlohmann::json doc = versionDocument();
      output->write(doc, [&doc](const std::string&) { return renderVersion(doc); });
      return kExitOk;
    };
  });
}

}  // namespace keelson::cli
