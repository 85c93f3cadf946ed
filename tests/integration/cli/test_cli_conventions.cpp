// kubectl's conventions for the keelson binary: help, unknown commands and flags, exit codes,
// `keelson version`. The sources of truth are git (the commit), the OpenSSL and SQLite CLIs of
// the same system (the shared libraries' versions) and each subcommand's own --help.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "common/test_env.h"
#include "support/test_cluster.h"

namespace keelson::testing {
namespace {

using nlohmann::json;

// Every subcommand, as typed after `keelson`, with its required arguments.
const std::vector<std::vector<std::string>> kSubcommands = {{"host"},
                                                            {"capture"},
                                                            {"detect"},
                                                            {"diagnose", "pod", "default/web"},
                                                            {"diagnose", "namespace", "default"},
                                                            {"history"},
                                                            {"monitor"},
                                                            {"serve"},
                                                            {"describe", "pod", "default/web"},
                                                            {"version"}};

std::string firstWord(const std::string& text, std::size_t index) {
  std::istringstream in(text);
  std::string word;
  for (std::size_t i = 0; i <= index && (in >> word); ++i) {
  }
  return word;
}

json yamlToJson(const YAML::Node& node) {
  if (node.IsMap()) {
    json out = json::object();
    for (const auto& item : node) out[item.first.as<std::string>()] = yamlToJson(item.second);
    return out;
  }
  return node.as<std::string>();
}

TEST(CliConventions, BareKeelsonPrintsHelpListingEverySubcommand) {
  const auto result = runKeelson({});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  for (const auto& path : kSubcommands) {
    EXPECT_NE(result.out.find(path.front()), std::string::npos) << path.front();
  }
}

TEST(CliConventions, AnUnknownSubcommandIsNamed) {
  const auto result = runKeelson({"frobnicate"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("unknown command \"frobnicate\" for \"keelson\""), std::string::npos)
      << result.err;
}

// Exit 1 (bad input), never one of CLI11's own codes (105, 106, 109), and the flag is named.
TEST(CliConventions, EverySubcommandRejectsAnUnknownFlagWithExitOne) {
  for (const auto& path : kSubcommands) {
    std::vector<std::string> args = path;
    args.emplace_back("--no-such-flag");
    const auto result = runKeelson(args);
    EXPECT_EQ(result.exit_code, 1) << path.front() << ": " << result.err;
    EXPECT_NE(result.err.find("--no-such-flag"), std::string::npos)
        << path.front() << ": " << result.err << result.out;
    std::vector<std::string> help = path;
    help.emplace_back("--help");
    EXPECT_EQ(runKeelson(help).exit_code, 0) << path.front();
  }
}

// Rejected while parsing, before any kubeconfig is looked for.
TEST(CliConventions, AMalformedDurationNamesItsFlag) {
  const std::vector<std::vector<std::string>> cases = {{"monitor", "--interval", "1.5.3s"},
                                                       {"monitor", "--retention", "7x"},
                                                       {"monitor", "--pending-after", "-5m"},
                                                       {"history", "--since", "1.5.3s"}};
  for (const auto& args : cases) {
    const auto result = runKeelson(args);
    EXPECT_EQ(result.exit_code, 1) << args[1] << ": " << result.err;
    EXPECT_NE(result.err.find(args[1]), std::string::npos) << result.err;
    EXPECT_EQ(result.err.find("kubeconfig"), std::string::npos) << result.err;
  }
}

TEST(CliConventions, VersionNamesTheCommitAndTheLibrariesLoaded) {
  const auto result = runKeelson({"version", "-o", "json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const json doc = json::parse(result.out);
  const auto head = run({"git", "-C", keelson::testing::sourceDir(), "rev-parse", "HEAD"});
  ASSERT_EQ(head.exit_code, 0) << head.err;
  EXPECT_EQ(doc.at("gitCommit").get<std::string>() + "\n", head.out);
  EXPECT_EQ(doc.at("gitVersion").get<std::string>().front(), 'v');
  EXPECT_EQ(doc.at("platform").get<std::string>().rfind("linux/", 0), 0U);
  // `openssl version` prints "OpenSSL 3.0.x <date> ..." from the same libcrypto.
  EXPECT_EQ(doc.at("libraries").at("openssl"), firstWord(run({"openssl", "version"}).out, 1));
  EXPECT_EQ(doc.at("libraries").at("sqlite"), firstWord(run({"sqlite3", "--version"}).out, 0));

  const auto yaml = runKeelson({"version", "-o", "yaml"});
  ASSERT_EQ(yaml.exit_code, 0) << yaml.err;
  EXPECT_EQ(yamlToJson(YAML::Load(yaml.out)), doc);

  const auto text = runKeelson({"--version"});
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_EQ(text.out.rfind("keelson " + doc.at("gitVersion").get<std::string>() + "\n", 0), 0U)
      << text.out;
  EXPECT_EQ(runKeelson({"version"}).out, text.out);
  EXPECT_EQ(runKeelson({"version", "-o", "xml"}).exit_code, 1);
}

}  // namespace
}  // namespace keelson::testing
