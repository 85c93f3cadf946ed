// kubectl's conventions for the keelson binary, as a table over every subcommand: help, unknown
// commands and flags, -o FORMAT (json parses; yaml parses with yaml-cpp and equals the json),
// --output-file, global flags before or after the subcommand, durations, the namespace taken from
// the kubeconfig context, exit codes, `keelson version` and `keelson completion`. The sources of
// truth are git (the commit), the OpenSSL and SQLite CLIs of the same system, yaml-cpp, kubectl,
// and bash, zsh and fish themselves. Commands that need a cluster run against the test control
// plane.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/prerequisite.h"
#include "common/temp_dir.h"
#include "common/test_env.h"
#include "store/audit_log.h"
#include "support/test_cluster.h"

namespace keelson::testing {
namespace {

using nlohmann::json;

// Every subcommand, as typed after `keelson`, with its required arguments.
const std::vector<std::vector<std::string>> kSubcommands = {
    {"host"},
    {"capture"},
    {"detect"},
    {"diagnose", "pod", "default/web"},
    {"diagnose", "namespace", "default"},
    {"history"},
    {"audit"},
    {"monitor"},
    {"remediate"},
    {"serve"},
    {"describe", "pod", "default/web"},
    {"cordon", "n1"},
    {"uncordon", "n1"},
    {"drain", "n1"},
    {"evict", "default/web"},
    {"scale", "deploy/web", "--replicas", "1"},
    {"rollout", "restart", "deploy/web"},
    {"restart", "pod", "default/web"},
    {"label", "pod/web", "a=b"},
    {"set", "resources", "deploy/web", "--limits", "cpu=1"},
    {"version"},
    {"completion", "bash"}};

// Where -o does not apply, and why (every other subcommand takes -o json and -o yaml).
const std::map<std::string, std::string> kNoFormat = {
    {"monitor",
     "long-running: it writes a CSV dataset (--output-file), an insights file and a history "
     "store, and prints nothing to format"},
    {"serve", "a server: its output is the HTTP API (JSON documents per route)"},
    {"completion", "its output is a shell script"},
};

std::string firstWord(const std::string& text, std::size_t index) {
  std::istringstream in(text);
  std::string word;
  for (std::size_t i = 0; i <= index && (in >> word); ++i) {
  }
  return word;
}

// YAML as JSON, by YAML's own typing: quoted scalars are strings, plain ones are booleans,
// integers, floats or strings, `~` is null.
json yamlToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& item : node) out[item.first.as<std::string>()] = yamlToJson(item.second);
      return out;
    }
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : node) out.push_back(yamlToJson(item));
      return out;
    }
    case YAML::NodeType::Scalar:
      break;
    default:
      return nullptr;
  }
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return text;  // quoted
  if (text == "true" || text == "false") return text == "true";
  std::int64_t integer = 0;
  const char* end = text.data() + text.size();
  if (auto [ptr, ec] = std::from_chars(text.data(), end, integer);
      ec == std::errc() && ptr == end) {
    return integer;
  }
  char* parsed_end = nullptr;
  const double number = std::strtod(text.c_str(), &parsed_end);
  if (!text.empty() && parsed_end == text.c_str() + text.size()) return number;
  return text;
}

// The document down to `depth` levels, with every scalar replaced by its kind and deeper values
// by theirs: two samples of a live host or cluster differ in values, and deep down in keys that
// are data (pods_by_phase's phases, while other tests change the cluster), never in the shape of
// the document's top. Arrays keep their first element's shape.
json shapeOf(const json& doc, int depth = 2) {
  if (depth > 0 && doc.is_object()) {
    json out = json::object();
    for (const auto& [key, value] : doc.items()) out[key] = shapeOf(value, depth - 1);
    return out;
  }
  if (depth > 0 && doc.is_array()) {
    return doc.empty() ? json::array() : json::array({shapeOf(doc.front(), depth - 1)});
  }
  if (doc.is_number()) return "number";
  return doc.type_name();
}

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

std::string joined(const std::vector<std::string>& args) {
  std::string out;
  for (const auto& arg : args) out += (out.empty() ? "" : " ") + arg;
  return out;
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

// Rejected while parsing, before any kubeconfig is looked for. --request-timeout is global: every
// subcommand rejects a bad one, before or after its name. detect, version and completion have no
// duration of their own.
TEST(CliConventions, AMalformedDurationNamesItsFlag) {
  std::vector<std::vector<std::string>> cases = {{"monitor", "--interval", "1.5.3s"},
                                                 {"monitor", "--retention", "7x"},
                                                 {"monitor", "--pending-after", "-5m"},
                                                 {"history", "--since", "1.5.3s"},
                                                 {"serve", "--read-timeout", "7x"},
                                                 {"serve", "--drain-timeout", "1.5.3s"},
                                                 {"host", "--interval", "7x"},
                                                 {"capture", "--interval", "-1"},
                                                 {"host", "--interval", "2h"},
                                                 {"serve", "--max-staleness", "-1s"},
                                                 {"audit", "--since", "1.5.3s"},
                                                 {"drain", "n1", "--timeout", "7x"},
                                                 {"evict", "default/web", "--timeout", "1.5.3s"},
                                                 {"remediate", "--watch-interval", "7x"},
                                                 {"remediate", "--settle-period", "1.5.3s"}};
  for (const auto& path : kSubcommands) {
    cases.push_back(with(path, {"--request-timeout", "7x"}));
    cases.push_back(with({"--request-timeout", "1.5.3s"}, path));
  }
  for (const auto& args : cases) {
    const auto result = runKeelson(args);
    const std::string flag = args.front().starts_with("--") ? args.front() : args[args.size() - 2];
    EXPECT_EQ(result.exit_code, 1) << joined(args) << ": " << result.err;
    EXPECT_NE(result.err.find(flag), std::string::npos) << joined(args) << ": " << result.err;
    EXPECT_EQ(result.err.find("kubeconfig"), std::string::npos) << result.err;
    EXPECT_EQ(result.out, "") << joined(args);
  }
}

// -o is a format: a value that is not one names the flag and the formats (and, when it looks
// like a file, --output-file); where -o does not apply it is an unknown flag. Exit 1 either way.
TEST(CliConventions, ABadOutputFormatNamesTheFlagAndTheFormats) {
  for (const auto& path : kSubcommands) {
    const auto result = runKeelson(with(path, {"-o", "out.json"}));
    EXPECT_EQ(result.exit_code, 1) << joined(path) << ": " << result.err;
    EXPECT_EQ(result.out, "") << joined(path);
    if (kNoFormat.contains(path.front())) {
      EXPECT_NE(result.err.find("-o"), std::string::npos) << joined(path) << ": " << result.err;
      continue;
    }
    EXPECT_NE(result.err.find("--output"), std::string::npos) << joined(path) << ": " << result.err;
    EXPECT_NE(result.err.find("json"), std::string::npos) << joined(path) << ": " << result.err;
    EXPECT_NE(result.err.find("yaml"), std::string::npos) << joined(path) << ": " << result.err;
    EXPECT_NE(result.err.find("--output-file out.json"), std::string::npos) << result.err;
  }
}

// Bad input is exit 1 with a message on stderr and nothing on stdout, for every subcommand.
TEST(CliConventions, BadInputExitsOne) {
  const std::vector<std::vector<std::string>> cases = {
      {"host", "--host-root", "/no/such/root"},
      {"host", "exec", "--method", "teleport", "--", "true"},
      {"capture", "--host-root", "/no/such/root"},
      {"capture", "-n", "a", "-A"},
      {"detect", "/no/such/series.csv"},
      {"diagnose", "pod", "a/b/c"},
      {"diagnose", "namespace", "x", "--restart-threshold", "-1"},
      {"history"},  // no subject
      {"history", "--pod", "a/b", "--from", "yesterday"},
      {"audit", "--state-dir", "/dev/null"},  // not a directory
      {"cordon", "Not_A_Node"},
      {"drain", "n1", "--dry-run=maybe"},
      {"scale", "service/web", "--replicas", "1"},
      {"scale", "deploy/web", "--replicas", "-1"},
      {"label", "pod/web", "-bad"},
      {"set", "resources", "deploy/web", "--limits", "cpu"},
      {"set", "resources", "deploy/web"},  // neither --limits nor --requests
      {"restart", "pod", "a/b/c"},
      {"monitor", "-n", "a", "-A"},
      {"remediate", "--confidence-threshold", "2"},
      {"remediate", "--dry-run", "--auto-approve"},
      {"remediate", "--dry-run", "--once", "--anomaly-rule", "cpu=scale"},
      {"serve", "--port", "70000"},
      {"describe", "pod", "Not_A_Pod"},
      {"version", "-o", "xml"},
      {"completion", "tcsh"},
      {"--log-level", "bogus", "version"},
      {"version", "--log-level", "bogus"},
      {"--log-format", "xml", "host"}};
  for (const auto& args : cases) {
    const auto result = runKeelson(with(args, {"--kubeconfig", "/no/such/kubeconfig"}));
    EXPECT_EQ(result.exit_code, 1) << joined(args) << ": " << result.err;
    EXPECT_FALSE(result.err.empty()) << joined(args);
    EXPECT_EQ(result.out, "") << joined(args);
  }
  EXPECT_NE(runKeelson({"version", "--log-level", "bogus"}).err.find("--log-level"),
            std::string::npos);
}

// The bash script, sourced in bash: a subcommand prefix, a flag prefix (a global one after the
// subcommand), the values of -o after a global flag with its value, and file names after
// --output-file (left to bash's default completion).
TEST(CliConventions, CompletionScriptsComplete) {
  const TempDir dir;  // the scripts, removed at the end
  const auto script = [&dir](const std::string& shell) {
    const auto result = runKeelson({"completion", shell});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    const auto path = dir / ("keelson-completion." + shell);
    std::ofstream(path) << result.out;
    return path.string();
  };
  const std::string bash = script("bash");
  const auto complete = [&bash](const std::string& words, int cword) {
    return run({"bash", "-c",
                "source " + bash + "; COMP_WORDS=(" + words +
                    "); COMP_CWORD=" + std::to_string(cword) +
                    "; _keelson; echo \"${COMPREPLY[*]}\"; complete -p keelson"});
  };
  auto result = complete("keelson ca", 1);
  EXPECT_EQ(result.out, "capture\ncomplete -o default -F _keelson keelson\n") << result.err;
  EXPECT_EQ(complete("keelson diagnose n", 2).out.substr(0, 10), "namespace\n");
  EXPECT_EQ(complete("keelson capture --kubec", 2).out.substr(0, 13), "--kubeconfig\n");
  EXPECT_EQ(complete("keelson --context x diagnose pod -o ''", 6).out.substr(0, 15),
            "text json yaml\n");
  EXPECT_EQ(complete("keelson history --output-file ''", 3).out.substr(0, 1), "\n");
  EXPECT_EQ(complete("keelson host exec -- ca", 4).out.substr(0, 1), "\n");

  // zsh runs the same function through bashcompinit (arrays from 0, as compgen -F calls it).
  // zsh and fish are test dependencies (scripts/bootstrap test): a missing one fails here.
  result = run({"zsh", "-c",
                "source " + script("zsh") +
                    "; t() { emulate -L sh; COMP_WORDS=(keelson diagnose namespace -o ''); "
                    "COMP_CWORD=4; _keelson; echo \"${COMPREPLY[*]}\"; }; t"});
  EXPECT_EQ(result.out, "text json yaml name\n") << result.err;
  // fish: its own `complete -C` asks the script.
  result = run({"fish", "-c",
                "source " + script("fish") +
                    "; complete -C 'keelson ca'; complete -C "
                    "'keelson --context x describe pod -o y'"});
  EXPECT_NE(result.out.find("capture\t"), std::string::npos) << result.out << result.err;
  EXPECT_NE(result.out.find("yaml\t"), std::string::npos) << result.out << result.err;
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

// The table over every subcommand that prints a document, against the test control plane: a
// namespace with one pod, a kubeconfig whose context names that namespace, a history store
// filled by `monitor --once`, a series for detect, an audit log with a finished and a running
// action.
class CliFormats : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string why;
    if (!findTestCluster(cluster_, why)) return;
    dir_ = std::filesystem::temp_directory_path() / uniqueName("keelson-cli-formats");
    std::filesystem::create_directories(dir_);
    ns_ = uniqueName("cli-formats");
    node_ = uniqueName("cli-formats-node");  // for the node verbs
    EXPECT_EQ(run({sourceDir() + "/test/cluster/add-node", node_}).exit_code, 0);
    cluster_.kubectlOk({"create", "namespace", ns_});
    // On this suite's own node, so that no other test's drain takes it away.
    cluster_.kubectlOk({"-n", ns_, "run", "web", "--image=nginx", "--restart=Never", "--overrides",
                        R"({"spec":{"nodeName":")" + node_ + R"("}})"});
    // Two workload pods that cannot be scheduled (the test cluster may have no node for them,
    // and none has this label): problematic pods for `diagnose namespace -o name`.
    cluster_.apply(R"({"apiVersion": "apps/v1", "kind": "Deployment",
      "metadata": {"name": "api", "namespace": ")" +
                   ns_ + R"("},
      "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "api"}},
        "template": {"metadata": {"labels": {"app": "api"}},
          "spec": {"nodeSelector": {"keelson.test/none": "x"},
                   "containers": [{"name": "api", "image": "nginx"}]}}}})");
    // The admin kubeconfig, with the namespace set in its context (as `kubectl config
    // set-context --current --namespace` does).
    context_kubeconfig_ = (dir_ / "kubeconfig").string();
    std::ofstream(context_kubeconfig_)
        << cluster_.kubectlOk({"config", "view", "--raw", "--flatten"});
    cluster_.kubectlOk({"--kubeconfig", context_kubeconfig_, "config", "set-context", "--current",
                        "--namespace", ns_});
    history_ = (dir_ / "history.db").string();
    const auto monitor = runKeelson(
        {"monitor", "--once", "--history", history_, "--output-file", (dir_ / "m.csv").string(),
         "--insights-file", (dir_ / "i.json").string(), "--kubeconfig", context_kubeconfig_});
    EXPECT_EQ(monitor.exit_code, 0) << monitor.err;
    state_dir_ = (dir_ / "state").string();
    store::AuditLog audit = store::AuditLog::open(dir_ / "state" / "audit.db");
    const std::int64_t id = audit.recordIntent({.started_ms = 1'705'314'600'000,
                                                .requester = {.kind = "user", .id = "ci"},
                                                .verb = "cordon",
                                                .target = "node/kwok-1",
                                                .namespace_name = "",
                                                .dry_run = "server",
                                                .request_json = R"({"node":"kwok-1"})"});
    audit.recordOutcome(id, {.finished_ms = 1'705'314'601'000,
                             .outcome = "succeeded",
                             .status_codes_json = "[200]",
                             .result_json = R"({"summary":"cordoned"})",
                             .error = ""});
    audit.recordIntent({.started_ms = 1'705'314'660'000,  // this process runs: "running"
                        .requester = {.kind = "remediation", .id = "finding-1"},
                        .verb = "drain",
                        .target = "node/kwok-2",
                        .namespace_name = "",
                        .dry_run = "none",
                        .request_json = "{}"});
    series_ = (dir_ / "series.csv").string();
    std::ofstream(series_) << "timestamp,value\n2024-01-01T00:00:00Z,1\n"
                              "2024-01-01T00:01:00Z,1.5\n2024-01-01T00:02:00Z,40\n";
  }

  static void TearDownTestSuite() {
    if (!ns_.empty()) cluster_.kubectlOk({"delete", "namespace", ns_, "--wait=false"});
    if (!node_.empty()) cluster_.kubectlOk({"delete", "node", node_, "--ignore-not-found"});
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  void SetUp() override {
    if (cluster_.kubectl.empty()) KEELSON_MISSING_PREREQUISITE("no test cluster");
  }

  struct Case {
    std::vector<std::string> args;
    bool live;  ///< Samples the host or the cluster anew each run: compare shapes, not values.
  };

  // Every subcommand that takes -o json|yaml (kNoFormat lists the others and why). The global
  // --kubeconfig goes after the subcommand, and its context's namespace is the default one.
  // host and capture sample for 200 ms: with no interval the CPU figures exist only when the
  // kernel's counters moved between the two reads, so the document's shape would vary.
  static std::vector<Case> cases() {
    const std::string range_from = "2000-01-01T00:00:00Z", range_to = "2100-01-01T00:00:00Z";
    return {
        {{"host", "--interval", "200ms", "--no-collector.gluster"}, true},
        {{"capture", "--interval", "200ms", "--no-collector.gluster", "-n", ns_}, true},
        {{"detect", series_}, false},
        {{"diagnose", "pod", "web"}, true},
        {{"diagnose", "namespace"}, true},
        {{"history", "--history", history_, "--list"}, false},
        {{"history", "--history", history_, "--host", "--from", range_from, "--to", range_to},
         false},
        {{"describe", "pod", "web"}, true},
        {{"audit", "--state-dir", state_dir_}, false},
        // The write verbs in a client dry run: they read the objects and change nothing.
        {{"cordon", node_, "--dry-run=client", "--state-dir", state_dir_}, false},
        {{"uncordon", node_, "--dry-run=client", "--state-dir", state_dir_}, false},
        {{"drain", node_, "--force", "--dry-run=client", "--state-dir", state_dir_}, true},
        {{"evict", "web", "--dry-run=client", "--state-dir", state_dir_}, false},
        {{"scale", "deploy/api", "--replicas", "3", "--dry-run=client", "--state-dir", state_dir_},
         false},
        {{"rollout", "restart", "deploy/api", "--dry-run=client", "--state-dir", state_dir_},
         true},  // the restartedAt time differs
        {{"restart", "pod", "web", "--force", "--dry-run=client", "--state-dir", state_dir_},
         false},
        {{"label", "pod/web", "tier=x", "--dry-run=client", "--state-dir", state_dir_}, false},
        {{"set", "resources", "deploy/api", "--limits", "cpu=1", "--dry-run=client", "--state-dir",
          state_dir_},
         false},
        // Findings change as the cluster does, and each run records its decision times.
        {{"remediate", "--dry-run", "--once", "--insights-file", (dir_ / "i.json").string(),
          "--history-file", (dir_ / "remediation_history.json").string(), "--state-dir",
          (dir_ / "remediate-state").string()},
         true},
        {{"version"}, false}};
  }

  static TestCluster cluster_;
  static std::filesystem::path dir_;
  static std::string ns_, context_kubeconfig_, history_, series_, state_dir_, node_;
};

TestCluster CliFormats::cluster_;
std::filesystem::path CliFormats::dir_;
std::string CliFormats::ns_, CliFormats::context_kubeconfig_, CliFormats::history_,
    CliFormats::series_, CliFormats::state_dir_, CliFormats::node_;

TEST_F(CliFormats, JsonParsesAndYamlEqualsIt) {
  std::set<std::string> covered;
  for (const auto& [args, live] : cases()) {
    covered.insert(args.front());
    const auto json_run =
        runKeelson(with(args, {"-o", "json", "--kubeconfig", context_kubeconfig_}));
    ASSERT_EQ(json_run.exit_code, 0) << joined(args) << ": " << json_run.err;
    const json doc = json::parse(json_run.out);
    const auto yaml_run =
        runKeelson(with(args, {"--kubeconfig", context_kubeconfig_, "-o", "yaml"}));
    ASSERT_EQ(yaml_run.exit_code, 0) << joined(args) << ": " << yaml_run.err;
    const json from_yaml = yamlToJson(YAML::Load(yaml_run.out));
    if (live) {
      EXPECT_EQ(shapeOf(from_yaml), shapeOf(doc)) << joined(args);
    } else {
      EXPECT_EQ(from_yaml, doc) << joined(args);
    }
    // The default format is text (csv for detect), never the document.
    const auto text_run = runKeelson(with(args, {"--kubeconfig", context_kubeconfig_}));
    EXPECT_EQ(text_run.exit_code, 0) << joined(args) << ": " << text_run.err;
    EXPECT_FALSE(json::accept(text_run.out)) << joined(args);
  }
  for (const auto& path : kSubcommands) {
    EXPECT_TRUE(covered.contains(path.front()) || kNoFormat.contains(path.front()))
        << path.front() << " is neither tested with -o nor listed in kNoFormat";
  }
}

// Without -n the namespace is the kubeconfig context's; without one there, "default". -n wins.
TEST_F(CliFormats, TheNamespaceDefaultsToTheContexts) {
  const auto in_context =
      runKeelson({"diagnose", "namespace", "-o", "json", "--kubeconfig", context_kubeconfig_});
  ASSERT_EQ(in_context.exit_code, 0) << in_context.err;
  EXPECT_EQ(json::parse(in_context.out).at("namespace"), ns_);
  const auto admin =
      runKeelson({"--kubeconfig", cluster_.kubeconfig, "diagnose", "namespace", "-o", "json"});
  ASSERT_EQ(admin.exit_code, 0) << admin.err;
  EXPECT_EQ(json::parse(admin.out).at("namespace"), "default");
  const auto flag = runKeelson(
      {"--kubeconfig", cluster_.kubeconfig, "describe", "pod", "web", "-n", ns_, "-o", "json"});
  ASSERT_EQ(flag.exit_code, 0) << flag.err;
  const json pod = cluster_.kubectlJson({"-n", ns_, "get", "pod", "web", "-o", "json"});
  EXPECT_EQ(json::parse(flag.out).at("namespace"), pod.at("metadata").at("namespace"));
  // NAMESPACE/NAME and a different -n contradict each other.
  const auto both = runKeelson(
      {"--kubeconfig", cluster_.kubeconfig, "describe", "pod", ns_ + "/web", "-n", "default"});
  EXPECT_EQ(both.exit_code, 1);
  EXPECT_NE(both.err.find("-n/--namespace"), std::string::npos) << both.err;
}

// Global flags before or after the subcommand give the same answer.
TEST_F(CliFormats, GlobalFlagsGoBeforeOrAfterTheSubcommand) {
  const auto before = runKeelson({"--kubeconfig", context_kubeconfig_, "--request-timeout", "20s",
                                  "history", "--history", history_, "--list", "-o", "json"});
  const auto after = runKeelson({"history", "--history", history_, "--list", "-o", "json",
                                 "--request-timeout", "20s", "--kubeconfig", context_kubeconfig_});
  ASSERT_EQ(before.exit_code, 0) << before.err;
  EXPECT_EQ(before.out, after.out);
  const auto context = runKeelson({"diagnose", "pod", "web", "--context", "no-such-context",
                                   "--kubeconfig", context_kubeconfig_});
  EXPECT_EQ(context.exit_code, 1);
  EXPECT_NE(context.err.find("no-such-context"), std::string::npos) << context.err;
}

// -o name lists the objects as kubectl does, one KIND/NAME a line: the problematic pods, here the
// Deployment's two unschedulable ones, as `kubectl get pods -o name` names them.
TEST_F(CliFormats, NameListsTheProblematicPods) {
  std::vector<std::string> expected;
  for (int attempt = 0; attempt < 60 && expected.size() != 2; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(500));
    std::istringstream lines(
        cluster_.kubectlOk({"-n", ns_, "get", "pods", "-l", "app=api", "-o", "name"}));
    expected.clear();
    for (std::string line; std::getline(lines, line);) expected.push_back(line);
  }
  ASSERT_EQ(expected.size(), 2U);
  const auto names =
      runKeelson({"diagnose", "namespace", ns_, "-o", "name", "--kubeconfig", cluster_.kubeconfig});
  ASSERT_EQ(names.exit_code, 0) << names.err;
  std::istringstream lines(names.out);
  std::vector<std::string> got;
  for (std::string line; std::getline(lines, line);) got.push_back(line);
  std::sort(got.begin(), got.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(got, expected);
}

// --output-file writes what standard output would have shown.
TEST_F(CliFormats, OutputFileHoldsTheDocument) {
  const auto file = (dir_ / "version.yaml").string();
  const auto written = runKeelson({"version", "-o", "yaml", "--output-file", file});
  ASSERT_EQ(written.exit_code, 0) << written.err;
  EXPECT_EQ(written.out, "");
  std::ifstream in(file);
  const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, runKeelson({"version", "-o", "yaml"}).out);
  const auto csv = (dir_ / "scores.csv").string();
  ASSERT_EQ(runKeelson({"detect", series_, "--output-file", csv}).exit_code, 0);
  std::ifstream scores(csv);
  std::string header;
  std::getline(scores, header);
  EXPECT_EQ(header, "timestamp,value,anomaly_score");
}

}  // namespace
}  // namespace keelson::testing
