// keelson remediate against the test control plane. Findings are either written into an insights
// file by the test (to have a specific one) or produced by `keelson monitor --once` from a
// crash-looping Deployment on kwok. What remediation did is read back with kubectl (the
// independent source of truth: annotations, limits, resourceVersions, cordons) and with
// `keelson audit -o json`; approvals go through a real terminal (a pty).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "common/child_process.h"
#include "common/prerequisite.h"
#include "common/test_env.h"
#include "support/test_cluster.h"

namespace keelson::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// keelson running on a pseudo-terminal, as a person at a terminal runs it.
class PtyKeelson {
 public:
  explicit PtyKeelson(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {keelsonBinary()};
    argv.insert(argv.end(), args.begin(), args.end());
    pid_ = ::forkpty(&master_, nullptr, nullptr, nullptr);
    if (pid_ == 0) {
      std::vector<char*> c_args;
      for (auto& a : argv) c_args.push_back(a.data());
      c_args.push_back(nullptr);
      ::execv(c_args[0], c_args.data());
      ::_exit(127);
    }
  }
  ~PtyKeelson() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (master_ >= 0) ::close(master_);
  }
  PtyKeelson(const PtyKeelson&) = delete;
  PtyKeelson& operator=(const PtyKeelson&) = delete;

  bool started() const { return pid_ > 0; }

  // Reads until the output seen so far holds `text` `count` times; false after `timeout`.
  bool expect(const std::string& text, int count, std::chrono::seconds timeout = 60s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (occurrences(text) < count) {
      if (std::chrono::steady_clock::now() > deadline || !readSome(200)) {
        if (std::chrono::steady_clock::now() > deadline) return false;
      }
    }
    return true;
  }
  void send(const std::string& line) {
    const std::string data = line + "\n";
    EXPECT_EQ(::write(master_, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  }
  // Reads the rest and returns the exit code (-1 after `timeout`).
  int wait(std::chrono::seconds timeout = 120s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      readSome(200);
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        while (readSome(100)) {
        }
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
    }
    return -1;
  }
  const std::string& output() const { return output_; }

 private:
  int occurrences(const std::string& text) const {
    int n = 0;
    for (auto at = output_.find(text); at != std::string::npos; at = output_.find(text, at + 1)) {
      ++n;
    }
    return n;
  }
  // Whether anything was read within `ms`.
  bool readSome(int ms) {
    pollfd p{master_, POLLIN, 0};
    if (::poll(&p, 1, ms) <= 0) return false;
    char buffer[4096];
    const ssize_t n = ::read(master_, buffer, sizeof buffer);
    if (n <= 0) return false;  // EIO once the child closed the terminal
    output_.append(buffer, static_cast<std::size_t>(n));
    return true;
  }

  pid_t pid_ = -1;
  int master_ = -1;
  std::string output_;
};

// One finding of the insights file (docs/insights_file.h), as keelson monitor writes it.
json finding(const std::string& kind, const std::string& severity, const json& subject,
             const std::string& detail_id, const json& evidence) {
  std::string id = kind + "/" + subject["kind"].get<std::string>() + "/" +
                   subject["namespace"].get<std::string>() + "/" +
                   subject["name"].get<std::string>();
  if (!detail_id.empty()) id += "/" + detail_id;
  json e = {{"series", ""},
            {"recent_values", json::array()},
            {"expected_range", nullptr},
            {"score", nullptr},
            {"details", json::object()}};
  e.update(evidence);
  return {{"id", id},
          {"status", "open"},
          {"time", "2026-01-01T00:02:00Z"},
          {"first_seen", "2026-01-01T00:00:00Z"},
          {"last_seen", "2026-01-01T00:02:00Z"},
          {"closed_at", nullptr},
          {"ticks", 3},
          {"kind", kind},
          {"severity", severity},
          {"subject", subject},
          {"evidence", e},
          {"explanation", kind + " of " + subject["name"].get<std::string>()},
          {"suggested_action", {{"action", "inspect"}, {"description", "look"}}}};
}

json podSubject(const std::string& ns, const std::string& pod) {
  return {{"kind", "pod"}, {"namespace", ns}, {"name", pod}};
}

json crashLoop(const std::string& ns, const std::string& pod) {
  return finding("crash_loop", "critical", podSubject(ns, pod), "app",
                 {{"series", "restarts_total"},
                  {"recent_values", {4, 5, 6}},
                  {"details", {{"container", "app"}, {"last_termination_reason", "Error"}}}});
}

// 250,000,000 bytes used of a 256Mi limit (93%).
json oomRisk(const std::string& ns, const std::string& pod) {
  return finding("oom_risk", "warning", podSubject(ns, pod), "",
                 {{"series", "memory_usage_bytes"},
                  {"recent_values", {2.3e8, 2.4e8, 2.5e8}},
                  {"expected_range", {{"lower", 0}, {"upper", 268435456}}},
                  {"details",
                   {{"limit_bytes", "268435456"},
                    {"usage_bytes", "250000000"},
                    {"percent_of_limit", "93.1"}}}});
}

class Remediate : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string why;
    if (!findTestCluster(cluster_, why)) return;
    ready_ = true;
    ns_ = uniqueName("remed");
    node_ = uniqueName("remed-node");
    const auto added = run(
        {sourceDir() + "/test/cluster/add-node", node_, "--label", "keelson-test/node=" + node_});
    EXPECT_EQ(added.exit_code, 0) << added.err;
    cluster_.kubectlOk({"create", "namespace", ns_});
  }

  static void TearDownTestSuite() {
    if (!ready_) return;
    // kwok does not finish deleting pods whose status a test set: force them.
    run({cluster_.kubectl, "--kubeconfig", cluster_.kubeconfig, "delete", "pods", "--all", "-n",
         ns_, "--grace-period=0", "--force"});
    cluster_.kubectlOk({"delete", "namespace", ns_, "--wait=false", "--ignore-not-found"});
    cluster_.kubectlOk({"delete", "node", node_, "--ignore-not-found"});
  }

  void SetUp() override {
    if (!ready_) KEELSON_MISSING_PREREQUISITE("no test cluster");
    dir_ = std::filesystem::temp_directory_path() /
           (uniqueName("keelson-remed") + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string insightsPath() const { return (dir_ / "pod_insights.json").string(); }
  std::string historyPath() const { return (dir_ / "remediation_history.json").string(); }
  std::string stateDir() const { return (dir_ / "state").string(); }

  std::vector<std::string> remediateArgs(const std::vector<std::string>& extra) const {
    std::vector<std::string> args = {"remediate",    "--kubeconfig",   cluster_.kubeconfig,
                                     "--state-dir",  stateDir(),       "--insights-file",
                                     insightsPath(), "--history-file", historyPath()};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  // A vector, not a json: {one_finding} would be that finding itself, not an array of it.
  void writeInsights(const std::vector<json>& findings,
                     const std::string& generated_at = "2026-01-01T00:02:00Z") const {
    std::ofstream(insightsPath()) << json{
        {"generated_at", generated_at},
        {"findings", findings}}.dump(2);
  }

  // RFC 3339 (UTC) `ahead` from now: a monitor tick after the action.
  static std::string later(std::chrono::seconds ahead = 2s) {
    const std::time_t t =
        std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + ahead);
    std::tm utc{};
    ::gmtime_r(&t, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
  }

  json history() const {
    std::ifstream in(historyPath());
    return json::parse(in)["items"];
  }

  // The audit log as `keelson audit -o json` reads it.
  json audit() const {
    const CommandOutput out = runKeelson({"audit", "-o", "json", "--state-dir", stateDir()});
    EXPECT_EQ(out.exit_code, 0) << out.err;
    return json::parse(out.out)["items"];
  }

  static json get(const std::string& what, const std::string& ns = ns_) {
    return cluster_.kubectlJson({"get", what, "-n", ns, "-o", "json"});
  }

  // A Deployment with one container "app" (256Mi memory limit) on our node; returns its pod.
  static std::string deployment(const std::string& name, const std::string& ns = ns_,
                                const std::string& extra_template_metadata = "",
                                const std::string& strategy = "RollingUpdate") {
    cluster_.apply(
        json{{"apiVersion", "apps/v1"},
             {"kind", "Deployment"},
             {"metadata", {{"name", name}, {"namespace", ns}}},
             {"spec",
              {{"replicas", 1},
               {"strategy", {{"type", strategy}}},
               {"selector", {{"matchLabels", {{"app", name}}}}},
               {"template",
                {{"metadata", json::parse("{\"labels\": {\"app\": \"" + name + "\"}" +
                                          extra_template_metadata + "}")},
                 {"spec",
                  {{"nodeSelector", {{"keelson-test/node", node_}}},
                   {"tolerations", json::array({{{"operator", "Exists"}}})},
                   {"containers", json::array({{{"name", "app"},
                                                {"image", "busybox"},
                                                {"resources",
                                                 {{"limits", {{"memory", "256Mi"}}},
                                                  {"requests", {{"memory", "128Mi"}}}}}}})}}}}}}}}
            .dump());
    std::string pod;
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (pod.empty() && std::chrono::steady_clock::now() < deadline) {
      const json pods =
          cluster_.kubectlJson({"get", "pods", "-n", ns, "-l", "app=" + name, "-o", "json"});
      if (!pods["items"].empty()) pod = pods["items"][0]["metadata"]["name"];
      if (pod.empty()) std::this_thread::sleep_for(250ms);
    }
    EXPECT_FALSE(pod.empty()) << name << ": no pod";
    return pod;
  }

  static bool restarted(const std::string& name, const std::string& ns = ns_) {
    const json d = get("deployment/" + name, ns);
    return d["spec"]["template"]["metadata"]
        .value("annotations", json::object())
        .contains("kubectl.kubernetes.io/restartedAt");
  }

  static const json* item(const json& items, const std::string& id) {
    for (const json& i : items) {
      if (i["finding"]["id"] == id) return &i;
    }
    return nullptr;
  }

  static inline TestCluster cluster_;
  static inline bool ready_ = false;
  static inline std::string ns_;
  static inline std::string node_;
  std::filesystem::path dir_;
};

// --dry-run acts on nothing: resourceVersions stay, the node stays schedulable; each proposal is
// shown with the API server's dry-run diff and recorded as "dry-run".
TEST_F(Remediate, DryRunChangesNothing) {
  const std::string pod = deployment("dry");
  const json pending = finding("pending_too_long", "warning", podSubject(ns_, "stuck"), "",
                               {{"series", "pending_seconds"}});
  const json pressure =
      finding("node_pressure", "critical", {{"kind", "node"}, {"namespace", ""}, {"name", node_}},
              "MemoryPressure",
              {{"series", "node_condition"}, {"details", {{"condition", "MemoryPressure"}}}});
  writeInsights({crashLoop(ns_, pod), oomRisk(ns_, pod), pressure, pending});
  const std::string deployment_rv = get("deployment/dry")["metadata"]["resourceVersion"];
  const std::string node_rv =
      cluster_.kubectlJson({"get", "node", node_, "-o", "json"})["metadata"]["resourceVersion"];

  const CommandOutput out = runKeelson(remediateArgs({"--dry-run", "--once", "-o", "json"}));
  ASSERT_EQ(out.exit_code, 0) << out.err;
  EXPECT_EQ(get("deployment/dry")["metadata"]["resourceVersion"], deployment_rv);
  const json node = cluster_.kubectlJson({"get", "node", node_, "-o", "json"});
  EXPECT_EQ(node["metadata"]["resourceVersion"], node_rv);
  EXPECT_FALSE(node["spec"].value("unschedulable", false));
  EXPECT_FALSE(restarted("dry"));

  const json items = json::parse(out.out)["items"];
  ASSERT_EQ(items.size(), 4U) << out.out;
  EXPECT_EQ(items, history()) << "stdout and the history file agree";
  const json* crash = item(items, crashLoop(ns_, pod)["id"]);
  ASSERT_NE(crash, nullptr);
  EXPECT_EQ((*crash)["decision"], "dry-run");
  EXPECT_EQ((*crash)["proposal"]["command"], "rollout restart deployment.apps/dry -n " + ns_);
  EXPECT_EQ((*crash)["dry_run_result"]["dryRun"], "server");
  EXPECT_EQ((*crash)["dry_run_result"]["outcome"], "succeeded");
  EXPECT_NE((*crash)["dry_run_result"]["dryRunDiff"].dump().find("restartedAt"), std::string::npos);
  EXPECT_TRUE((*crash)["result"].is_null());
  EXPECT_TRUE((*crash)["outcome"].is_null());
  const json* oom = item(items, oomRisk(ns_, pod)["id"]);
  ASSERT_NE(oom, nullptr);
  // 256Mi + 25% = 320Mi, as the API server's own dry run shows it.
  EXPECT_EQ((*oom)["proposal"]["parameters"]["limits"]["memory"], "320Mi");
  EXPECT_EQ(
      (*oom)["dry_run_result"]["dryRunDiff"],
      json::parse(
          R"([{"op":"replace","path":"/spec/template/spec/containers/0/resources/limits/memory","value":"320Mi"}])"));
  const json* cordon = item(items, pressure["id"]);
  ASSERT_NE(cordon, nullptr);
  EXPECT_EQ((*cordon)["proposal"]["command"], "cordon node/" + node_);
  const json* none = item(items, pending["id"]);
  ASSERT_NE(none, nullptr);
  EXPECT_EQ((*none)["decision"], "no-action");
  EXPECT_TRUE((*none)["dry_run_result"].is_null());

  // The audit log holds the three server dry runs, each under its finding.
  const json records = audit();
  ASSERT_EQ(records.size(), 3U);
  for (const json& record : records) {
    EXPECT_EQ(record["dryRun"], "server") << record;
    EXPECT_EQ(record["requester"]["kind"], "remediation") << record;
    EXPECT_NE(item(items, record["requester"]["id"]), nullptr) << record;
  }
}

// --enable-llm: the proposal carries the model's answer, labelled, from a local OpenAI-compatible
// server (which itself checks the request: model, bearer header, no key in the body); a server
// that fails leaves the proposal without one.
TEST_F(Remediate, LlmExplanationsAreLabelledAndOptional) {
  ChildProcess server({"python3", sourceDir() + "/tests/unit/act/fake_openai_server.py",
                       "--api-key", "sk-remediate-test", "--model", "tiny-1"});
  const std::string line = server.readLine(30s);
  ASSERT_EQ(line.rfind("PORT ", 0), 0U) << line;
  const std::string base = "http://127.0.0.1:" + line.substr(5);
  const std::string pod = deployment("llm");
  writeInsights({oomRisk(ns_, pod)});
  ::setenv("OPENAI_API_KEY", "sk-remediate-test", 1);
  ::setenv("OPENAI_BASE_URL", (base + "/ok/v1").c_str(), 1);
  CommandOutput out =
      runKeelson(remediateArgs({"--dry-run", "--once", "--enable-llm", "--llm-model", "tiny-1"}));
  ::setenv("OPENAI_BASE_URL", (base + "/error/v1").c_str(), 1);
  const CommandOutput failing =
      runKeelson(remediateArgs({"--dry-run", "--once", "--enable-llm", "--llm-model", "tiny-1"}));
  ::unsetenv("OPENAI_API_KEY");
  ::unsetenv("OPENAI_BASE_URL");
  ASSERT_EQ(out.exit_code, 0) << out.err;
  EXPECT_NE(out.out.find("LLM explanation (model tiny-1, may be wrong):\n    Looks like Finding " +
                         oomRisk(ns_, pod)["id"].get<std::string>()),
            std::string::npos)
      << out.out;
  ASSERT_EQ(failing.exit_code, 0) << failing.err;
  EXPECT_EQ(failing.out.find("LLM explanation"), std::string::npos) << failing.out;
  EXPECT_NE(failing.out.find("Proposal: set resources"), std::string::npos) << failing.out;
  const json items = history();
  ASSERT_EQ(items.size(), 2U);
  EXPECT_EQ(items[0]["llm_explanation"]["model"], "tiny-1");
  EXPECT_TRUE(items[1]["llm_explanation"].is_null());
}

// Without a terminal, --dry-run or --auto-approve nobody can approve: exit 1, nothing touched.
TEST_F(Remediate, WithoutATerminalItRefuses) {
  const std::string pod = deployment("notty");
  writeInsights({crashLoop(ns_, pod)});
  const std::string rv = get("deployment/notty")["metadata"]["resourceVersion"];
  const CommandOutput out = runKeelson(remediateArgs({"--once"}));  // stdin is /dev/null
  EXPECT_EQ(out.exit_code, 1);
  EXPECT_NE(out.err.find("standard input is not a terminal"), std::string::npos) << out.err;
  EXPECT_EQ(out.out, "");
  EXPECT_EQ(get("deployment/notty")["metadata"]["resourceVersion"], rv);
  EXPECT_FALSE(std::filesystem::exists(historyPath()));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "state" / "audit.db"));
}

// At a terminal: "n" declines the crash loop's restart, "y" applies the oom_risk's new limit;
// the outcome (worse: a later tick raised the severity) is checked after the settle period and
// recorded, and the audit log has the action under its finding.
TEST_F(Remediate, ApprovalAtATerminal) {
  const std::string pod = deployment("tty");
  const json crash = crashLoop(ns_, pod);
  const json oom = oomRisk(ns_, pod);
  writeInsights({crash, oom});
  PtyKeelson keelson(remediateArgs({"--once", "--settle-period", "5s"}));
  ASSERT_TRUE(keelson.started());
  ASSERT_TRUE(keelson.expect("Apply? [y/N/skip/quit]", 1)) << keelson.output();
  EXPECT_NE(keelson.output().find("rollout restart deployment.apps/tty"), std::string::npos);
  keelson.send("n");
  ASSERT_TRUE(keelson.expect("Apply? [y/N/skip/quit]", 2)) << keelson.output();
  EXPECT_NE(keelson.output().find(
                "replace /spec/template/spec/containers/0/resources/limits/memory: \"320Mi\""),
            std::string::npos)
      << keelson.output();
  keelson.send("y");
  // A monitor tick after the action finds the pod closer to its limit: critical now.
  ASSERT_TRUE(keelson.expect("--settle-period", 1)) << keelson.output();
  json worse = oom;
  worse["severity"] = "critical";
  writeInsights({crash, worse}, later());
  EXPECT_EQ(keelson.wait(), 0) << keelson.output();
  EXPECT_NE(keelson.output().find("Outcome of " + oom["id"].get<std::string>() +
                                  ": worse (severity rose from warning to critical)"),
            std::string::npos)
      << keelson.output();

  const json d = get("deployment/tty");
  EXPECT_EQ(d["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"],
            "320Mi");
  EXPECT_EQ(d["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["memory"],
            "128Mi");
  EXPECT_FALSE(restarted("tty")) << "declined";

  const json items = history();
  ASSERT_EQ(items.size(), 2U);
  EXPECT_EQ((*item(items, crash["id"]))["decision"], "declined");
  const json& applied = *item(items, oom["id"]);
  EXPECT_EQ(applied["decision"], "approved");
  EXPECT_EQ(applied["result"]["outcome"], "succeeded");
  EXPECT_EQ(applied["result"]["dryRun"], "none");
  EXPECT_EQ(applied["outcome"]["status"], "worse");
  EXPECT_EQ(applied["outcome"]["details"], "severity rose from warning to critical");

  const json records = audit();
  ASSERT_EQ(records.size(), 3U) << "two server dry runs, one action";
  const json& action = records.back();
  EXPECT_EQ(action["verb"], "set resources");
  EXPECT_EQ(action["dryRun"], "none");
  EXPECT_EQ(action["outcome"], "succeeded");
  EXPECT_EQ(action["requester"], (json{{"kind", "remediation"}, {"id", oom["id"]}}));
}

// --auto-approve within the policy: kube-system is excluded, and with one action an hour only
// the first of two crash loops is restarted, in this run and in the next.
TEST_F(Remediate, AutoApproveHonoursThePolicy) {
  const std::string a = deployment("auto-a");
  const std::string b = deployment("auto-b");
  const std::string system_name = uniqueName("remed-sys");
  const std::string system_pod = deployment(system_name, "kube-system");
  writeInsights({crashLoop(ns_, a), crashLoop(ns_, b), crashLoop("kube-system", system_pod)});
  const std::vector<std::string> args =
      remediateArgs({"--auto-approve", "--once", "--max-actions-per-hour", "1", "--settle-period",
                     "1s", "-o", "json"});
  CommandOutput out = runKeelson(args);
  ASSERT_EQ(out.exit_code, 0) << out.err;
  json items = json::parse(out.out)["items"];
  ASSERT_EQ(items.size(), 3U) << out.out;
  const json& system = *item(items, crashLoop("kube-system", system_pod)["id"]);
  EXPECT_EQ(system["decision"], "refused-by-policy");
  EXPECT_NE(system["decision_reason"].get<std::string>().find("namespace kube-system is excluded"),
            std::string::npos);
  const json& first = *item(items, crashLoop(ns_, a)["id"]);
  EXPECT_EQ(first["decision"], "approved");
  EXPECT_EQ(first["result"]["outcome"], "succeeded");
  // No monitor rewrote the insights file after the action: nothing to judge by.
  EXPECT_EQ(first["outcome"]["status"], "unchecked");
  EXPECT_NE(first["outcome"]["details"].get<std::string>().find("is keelson monitor running?"),
            std::string::npos);
  const json& second = *item(items, crashLoop(ns_, b)["id"]);
  EXPECT_EQ(second["decision"], "refused-by-policy");
  EXPECT_EQ(second["decision_reason"],
            "1 remediation action in the last hour, the limit (--max-actions-per-hour 1)");

  EXPECT_TRUE(restarted("auto-a"));
  EXPECT_FALSE(restarted("auto-b"));
  EXPECT_FALSE(restarted(system_name, "kube-system"));
  json records = audit();
  ASSERT_EQ(records.size(), 1U);
  EXPECT_EQ(records[0]["verb"], "rollout restart");
  EXPECT_EQ(records[0]["target"], "deployment.apps/auto-a");

  // A second run: auto-a's finding was acted on already, auto-b is still over the limit (the
  // audit log remembers the hour).
  out = runKeelson(args);
  ASSERT_EQ(out.exit_code, 0) << out.err;
  items = json::parse(out.out)["items"];
  EXPECT_EQ(item(items, crashLoop(ns_, a)["id"]), nullptr) << "not proposed twice";
  EXPECT_EQ((*item(items, crashLoop(ns_, b)["id"]))["decision"], "refused-by-policy");
  EXPECT_FALSE(restarted("auto-b"));
  EXPECT_EQ(audit().size(), 1U);
  EXPECT_EQ(history().size(), 5U) << "both runs in the history file";
  cluster_.kubectlOk({"delete", "deployment", system_name, "-n", "kube-system", "--wait=false"});
}

// The whole path: a crash-looping Deployment on kwok, `keelson monitor --once` finds it,
// `remediate --dry-run` changes nothing, a person approves the rollout restart at a terminal,
// the old pod goes (forced here, as kwok does not finish deleting it), monitor closes the
// finding, and remediation records it as resolved.
TEST_F(Remediate, MonitorFindsACrashLoopAndRemediationRestartsTheDeployment) {
  // kwok leaves pods annotated status=custom alone, so the test sets their status. Recreate: the
  // old pod goes before a new one comes, so the new one cannot inherit the finding.
  const std::string pod = deployment(
      "crashy", ns_, R"(, "annotations": {"kwok.x-k8s.io/status": "custom"})", "Recreate");
  cluster_.kubectlOk(
      {"patch", "pod", pod, "-n", ns_, "--subresource=status", "--type=merge", "-p",
       R"({"status":{"phase":"Running","containerStatuses":[{"name":"app","image":"busybox",)"
       R"("imageID":"","ready":false,"restartCount":5,"state":{"waiting":{"reason":)"
       R"("CrashLoopBackOff","message":"back-off 2m40s restarting failed container"}},)"
       R"("lastState":{"terminated":{"exitCode":1,"reason":"Error",)"
       R"("startedAt":"2026-01-01T00:00:00Z","finishedAt":"2026-01-01T00:00:01Z"}}}]}})"});
  const std::vector<std::string> monitor = {"monitor",
                                            "--once",
                                            "--kubeconfig",
                                            cluster_.kubeconfig,
                                            "-n",
                                            ns_,
                                            "--insights-file",
                                            insightsPath(),
                                            "--output-file",
                                            (dir_ / "pod_metrics.csv").string(),
                                            "--no-history",
                                            "--no-host"};
  CommandOutput out = runKeelson(monitor);
  ASSERT_TRUE(out.exit_code == 0 || out.exit_code == 2) << out.err;
  const std::string id = "crash_loop/pod/" + ns_ + "/" + pod + "/app";
  {
    std::ifstream in(insightsPath());
    const json doc = json::parse(in);
    ASSERT_NE(doc.dump().find(id), std::string::npos) << doc.dump(2);
  }

  const std::string rv = get("deployment/crashy")["metadata"]["resourceVersion"];
  out = runKeelson(remediateArgs({"--dry-run", "--once"}));
  ASSERT_EQ(out.exit_code, 0) << out.err;
  EXPECT_NE(out.out.find("rollout restart deployment.apps/crashy"), std::string::npos) << out.out;
  EXPECT_EQ(get("deployment/crashy")["metadata"]["resourceVersion"], rv);

  PtyKeelson keelson(remediateArgs({"--once", "--settle-period", "30s"}));
  ASSERT_TRUE(keelson.expect("Apply? [y/N/skip/quit]", 1)) << keelson.output();
  keelson.send("y");
  ASSERT_TRUE(keelson.expect("--settle-period", 1)) << keelson.output();
  EXPECT_TRUE(restarted("crashy"));
  // The controller scales the old ReplicaSet down; kwok would never finish the pod's deletion.
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline &&
         !get("pod/" + pod)["metadata"].contains("deletionTimestamp")) {
    std::this_thread::sleep_for(250ms);
  }
  cluster_.kubectlOk({"delete", "pod", pod, "-n", ns_, "--grace-period=0", "--force"});
  out = runKeelson(monitor);
  ASSERT_TRUE(out.exit_code == 0 || out.exit_code == 2) << out.err;
  EXPECT_EQ(keelson.wait(), 0) << keelson.output();
  EXPECT_NE(keelson.output().find("Outcome of " + id + ": resolved"), std::string::npos)
      << keelson.output();

  const json items = history();
  const json* acted = nullptr;
  for (const json& i : items) {
    if (i["finding"]["id"] == id && i["decision"] == "approved") acted = &i;
  }
  ASSERT_NE(acted, nullptr);
  EXPECT_EQ((*acted)["result"]["verb"], "rollout restart");
  EXPECT_EQ((*acted)["outcome"]["status"], "resolved");
  const json records = audit();
  ASSERT_FALSE(records.empty());
  EXPECT_EQ(records.back()["verb"], "rollout restart");
  EXPECT_EQ(records.back()["dryRun"], "none");
  EXPECT_EQ(records.back()["requester"]["id"], id);
}

// Mebibytes in a memory quantity as the planner writes it ("320Mi", "1Gi").
double mebibytes(const std::string& quantity) {
  if (quantity.ends_with("Gi")) return 1024.0 * std::stod(quantity.substr(0, quantity.size() - 2));
  if (quantity.ends_with("Mi")) return std::stod(quantity.substr(0, quantity.size() - 2));
  ADD_FAILURE() << "unexpected memory quantity " << quantity;
  return 0;
}

// One process: `keelson monitor --remediate --auto-approve` samples a Deployment's pod whose
// memory use (kwok's simulated usage, through metrics-server) is near its limit, finds the
// oom_risk itself, raises the Deployment's memory limit without anyone writing an insights
// file, and records the outcome once the replacement pod (kwok's default usage) is sampled.
TEST_F(Remediate, MonitorRemediateRaisesTheLimitOfAMemoryHungryPod) {
  const std::string pod = deployment("hungry", ns_, "", "Recreate");
  const auto usage = run({sourceDir() + "/test/cluster/set-usage", ns_, pod, "--memory", "250Mi"});
  ASSERT_EQ(usage.exit_code, 0) << usage.err;
  const std::string id = "oom_risk/pod/" + ns_ + "/" + pod;
  const std::string rv = get("deployment/hungry")["metadata"]["resourceVersion"];

  ChildProcess monitor({keelsonBinary(),
                        "monitor",
                        "--remediate",
                        "--auto-approve",
                        "--kubeconfig",
                        cluster_.kubeconfig,
                        "-n",
                        ns_,
                        "--interval",
                        "2s",
                        "--settle-period",
                        "10s",
                        "--insights-file",
                        insightsPath(),
                        "--output-file",
                        (dir_ / "pod_metrics.csv").string(),
                        "--no-history",
                        "--no-host",
                        "--state-dir",
                        stateDir(),
                        "--history-file",
                        historyPath()});
  // Until the action's outcome is recorded: metrics-server's next scrape, a tick, the action,
  // the Recreate rollout, the settle period.
  json acted;
  const auto deadline = std::chrono::steady_clock::now() + 150s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (std::filesystem::exists(historyPath())) {
      const json items = history();
      if (const json* i = item(items, id);
          i != nullptr && i->contains("outcome") && (*i)["outcome"]["status"] != "pending") {
        acted = *i;
        break;
      }
    }
    std::this_thread::sleep_for(500ms);
  }
  ::kill(monitor.pid(), SIGTERM);
  const CommandResult ended = monitor.wait(60s);
  EXPECT_EQ(ended.exit_code, 0) << ended.err;
  ASSERT_FALSE(acted.is_null()) << "no outcome for " << id << "\n" << ended.out << ended.err;

  EXPECT_EQ(acted["decision"], "approved");
  EXPECT_EQ(acted["finding"]["kind"], "oom_risk");
  EXPECT_EQ(acted["result"]["verb"], "set resources");
  EXPECT_EQ(acted["result"]["outcome"], "succeeded");
  EXPECT_EQ(acted["outcome"]["status"], "resolved") << acted.dump(2);
  // The API server has the limit the proposal named, above the old one and the usage.
  const json d = get("deployment/hungry");
  EXPECT_NE(d["metadata"]["resourceVersion"], rv);
  const std::string limit =
      d["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"];
  EXPECT_EQ(acted["proposal"]["parameters"]["limits"]["memory"], limit);
  EXPECT_GT(mebibytes(limit), 256.0);
  EXPECT_NE(ended.out.find("Outcome of " + id + ": resolved"), std::string::npos) << ended.out;

  const json records = audit();
  ASSERT_EQ(records.size(), 1U) << records.dump(2);
  EXPECT_EQ(records[0]["verb"], "set resources");
  EXPECT_EQ(records[0]["dryRun"], "none");
  EXPECT_EQ(records[0]["requester"], (json{{"kind", "remediation"}, {"id", id}}));
  // The monitor still keeps its insights file: the finding is closed there.
  std::ifstream in(insightsPath());
  const json insights = json::parse(in);
  bool closed = false;
  for (const json& f : insights["findings"]) closed |= f["id"] == id && f["status"] == "closed";
  EXPECT_TRUE(closed) << insights.dump(2);
}

// At a terminal, `quit` ends remediation and the monitor with it: nothing changed, the decision
// is on record, the exit is clean.
TEST_F(Remediate, MonitorRemediateAtATerminalQuitEndsBoth) {
  const std::string pod = deployment("quitter");
  const auto usage = run({sourceDir() + "/test/cluster/set-usage", ns_, pod, "--memory", "250Mi"});
  ASSERT_EQ(usage.exit_code, 0) << usage.err;
  const std::string rv = get("deployment/quitter")["metadata"]["resourceVersion"];
  PtyKeelson keelson({"monitor", "--remediate", "--kubeconfig", cluster_.kubeconfig, "-n", ns_,
                      "--interval", "2s", "--insights-file", insightsPath(), "--output-file",
                      (dir_ / "pod_metrics.csv").string(), "--no-history", "--no-host",
                      "--state-dir", stateDir(), "--history-file", historyPath()});
  ASSERT_TRUE(keelson.started());
  ASSERT_TRUE(keelson.expect("Apply? [y/N/skip/quit]", 1, 90s)) << keelson.output();
  EXPECT_NE(keelson.output().find("set resources deployment.apps/quitter"), std::string::npos)
      << keelson.output();
  keelson.send("quit");
  EXPECT_EQ(keelson.wait(30s), 0) << keelson.output();
  EXPECT_EQ(get("deployment/quitter")["metadata"]["resourceVersion"], rv);
  const json items = history();
  const json* asked = item(items, "oom_risk/pod/" + ns_ + "/" + pod);
  ASSERT_NE(asked, nullptr) << items.dump(2);
  EXPECT_EQ((*asked)["decision"], "skipped");
  EXPECT_EQ((*asked)["decision_reason"], "quit");
}

TEST_F(Remediate, MonitorRemediateWithoutATerminalRefuses) {
  const CommandOutput out =
      runKeelson({"monitor", "--remediate", "--kubeconfig", cluster_.kubeconfig, "-n", ns_,
                  "--insights-file", insightsPath(), "--state-dir", stateDir()});
  EXPECT_EQ(out.exit_code, 1);
  EXPECT_NE(out.err.find("keelson monitor --remediate: refusing to act: standard input is not "
                         "a terminal"),
            std::string::npos)
      << out.err;
  EXPECT_FALSE(std::filesystem::exists(insightsPath())) << "nothing was sampled";
  EXPECT_FALSE(std::filesystem::exists(dir_ / "state" / "audit.db"));
}

}  // namespace
}  // namespace keelson::testing
