// keelson as a kubectl plugin: installed as kubectl-keelson, `kubectl keelson ...` runs it (kubectl
// finds kubectl-* programs on PATH) and it names itself `kubectl keelson`; kubectl's flags
// (--kubeconfig, --context, -n) reach it unchanged. Installed as kubectl_complete-keelson too, it
// completes `kubectl keelson ...` for kubectl.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/prerequisite.h"
#include "common/temp_dir.h"
#include "common/test_env.h"
#include "core/process_runner.h"
#include "support/test_cluster.h"

namespace keelson::testing {
namespace {

using nlohmann::json;

class KubectlPlugin : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!findTestCluster(cluster_, why)) KEELSON_MISSING_PREREQUISITE(why);
    std::filesystem::create_symlink(keelsonBinary(), dir_ / "kubectl-keelson");
    std::filesystem::create_symlink(keelsonBinary(), dir_ / "kubectl_complete-keelson");
  }

  // `kubectl ARGS` with the plugin's directory first on PATH.
  core::RunResult kubectl(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {cluster_.kubectl};
    argv.insert(argv.end(), args.begin(), args.end());
    return runWithPluginPath(argv);
  }

  // The plugin itself, by its installed name (argv[0] ends in kubectl-keelson).
  core::RunResult plugin(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {(dir_ / "kubectl-keelson").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return runWithPluginPath(argv);
  }

  core::RunResult runWithPluginPath(const std::vector<std::string>& argv) const {
    core::RunOptions options;
    options.timeout = std::chrono::seconds(120);
    const char* path = std::getenv("PATH");
    options.env = {{"PATH", dir_.path().string() + ":" + (path != nullptr ? path : "")}};
    return core::runProcess(argv, options);
  }

  TestCluster cluster_;
  TempDir dir_;
};

TEST_F(KubectlPlugin, KubectlListsAndRunsIt) {
  const auto list = kubectl({"plugin", "list"});
  EXPECT_NE(list.out.find((dir_ / "kubectl-keelson").string()), std::string::npos)
      << list.out << list.err;

  const auto through_kubectl = kubectl({"keelson", "version", "-o", "json"});
  ASSERT_TRUE(through_kubectl.ok()) << through_kubectl.err;
  const auto direct = runKeelson({"version", "-o", "json"});
  ASSERT_EQ(direct.exit_code, 0) << direct.err;
  EXPECT_EQ(json::parse(through_kubectl.out), json::parse(direct.out));
}

TEST_F(KubectlPlugin, NamesItselfKubectlKeelson) {
  for (const auto& result : {plugin({"--help"}), kubectl({"keelson", "--help"})}) {
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_NE(result.out.find("Usage: kubectl keelson [OPTIONS] [SUBCOMMAND]"), std::string::npos)
        << result.out;
  }
  const auto sub_help = kubectl({"keelson", "version", "--help"});
  EXPECT_NE(sub_help.out.find("(kubectl keelson --help)"), std::string::npos) << sub_help.out;

  const auto unknown = kubectl({"keelson", "frobnicate"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("unknown command \"frobnicate\" for \"kubectl keelson\"\n"
                             "Run 'kubectl keelson --help' for usage."),
            std::string::npos)
      << unknown.err;

  // Under its own name it stays keelson.
  const auto own = runKeelson({"--help"});
  EXPECT_NE(own.out.find("Usage: keelson [OPTIONS] [SUBCOMMAND]"), std::string::npos) << own.out;
}

TEST_F(KubectlPlugin, KubectlFlagsReachIt) {
  const auto context =
      run({cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "config", "current-context"});
  ASSERT_EQ(context.exit_code, 0) << context.err;
  const std::string name = context.out.substr(0, context.out.find('\n'));

  const auto captured =
      kubectl({"keelson", "--kubeconfig", cluster_.kubeconfig, "--context", name, "capture", "-n",
               "default", "-o", "json", "--interval", "0", "--no-collector.gluster"});
  ASSERT_EQ(captured.exit_code, 0) << captured.err;
  const json doc = json::parse(captured.out);
  EXPECT_EQ(doc.at("cluster").at("status"), "ok") << doc.at("cluster").dump();

  const auto wrong =
      kubectl({"keelson", "--kubeconfig", cluster_.kubeconfig, "--context", "no-such-context",
               "capture", "-o", "json", "--interval", "0", "--no-collector.gluster"});
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_NE((wrong.out + wrong.err).find("no-such-context"), std::string::npos)
      << wrong.out << wrong.err;
}

// kubectl's own completion (`kubectl __complete`, what its shell scripts call) asks
// kubectl_complete-keelson about the words after `kubectl keelson`.
TEST_F(KubectlPlugin, KubectlCompletesItsSubcommandsFlagsAndValues) {
  const auto subcommands = kubectl({"__complete", "keelson", "ver"});
  ASSERT_EQ(subcommands.exit_code, 0) << subcommands.err;
  EXPECT_NE(subcommands.out.find("version\tprint the version"), std::string::npos)
      << subcommands.out;
  EXPECT_EQ(subcommands.out.find("capture"), std::string::npos) << subcommands.out;
  EXPECT_NE(subcommands.out.find("\n:4\n"), std::string::npos) << subcommands.out;

  // A global flag and its value are skipped on the way to the subcommand.
  const auto flags =
      kubectl({"__complete", "keelson", "--context", "dev", "capture", "--no-collector.gl"});
  EXPECT_NE(flags.out.find("--no-collector.gluster\t"), std::string::npos) << flags.out;

  const auto values = kubectl({"__complete", "keelson", "capture", "-o", ""});
  for (const char* format : {"text\t", "json\t", "yaml\t"}) {
    EXPECT_NE(values.out.find(format), std::string::npos) << values.out;
  }

  // A flag whose value is a file: the shell's file names (directive 0).
  const auto files = kubectl({"__complete", "keelson", "--kubeconfig", ""});
  EXPECT_EQ(files.out, ":0\n");
}

}  // namespace
}  // namespace keelson::testing
