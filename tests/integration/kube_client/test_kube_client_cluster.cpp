// The kube client against the real test control plane (test/cluster/up: etcd, kube-apiserver,
// controller-manager, scheduler, kwok). The admin kubeconfig comes from $KEELSON_TEST_KUBECONFIG,
// else $KEELSON_TEST_DIR/kubeconfig, else /tmp/keelson-test-cluster/kubeconfig; kubectl from
// KUBECTL in $KEELSON_TEST_DIR/env. Every test is skipped when the kubeconfig does not exist.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "common/prerequisite.h"
#include "core/error.h"
#include "kube/api_error.h"
#include "kube/client.h"
#include "kube/cluster_config.h"
#include "kube/in_cluster.h"
#include "kube_client_test_support.h"

namespace keelson::kube {
namespace {

using testing::envOr;
using ::testing::HasSubstr;
using testing::readFile;
using testing::runCommand;
using ::testing::StartsWith;
using testing::TempDir;
using namespace std::chrono_literals;

std::string uniqueName(const std::string& prefix) {
  static int counter = 0;
  return prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string dir = envOr("KEELSON_TEST_DIR", "/tmp/keelson-test-cluster");
    kubeconfig_ = envOr("KEELSON_TEST_KUBECONFIG", dir + "/kubeconfig");
    if (!std::filesystem::exists(kubeconfig_)) {
      KEELSON_MISSING_PREREQUISITE(
          "no test cluster: "
          << kubeconfig_ << " does not exist (run test/cluster/up or set KEELSON_TEST_KUBECONFIG)");
    }
    kubectl_ = "kubectl";
    std::istringstream env(readFile(dir + "/env"));
    for (std::string line; std::getline(env, line);) {
      if (line.rfind("export ", 0) == 0) line = line.substr(7);
      if (line.rfind("KUBECTL=", 0) != 0) continue;
      kubectl_ = line.substr(8);
      if (kubectl_.size() >= 2 && (kubectl_.front() == '"' || kubectl_.front() == '\'')) {
        kubectl_ = kubectl_.substr(1, kubectl_.size() - 2);
      }
    }
    ConfigOptions options;
    options.kubeconfig_path = kubeconfig_;
    config_ = loadConfig(options);
    client_ = std::make_unique<Client>(config_);
  }

  void TearDown() override {
    for (const auto& ns : namespaces_) {
      try {
        client_->send("DELETE", "/api/v1/namespaces/" + ns, "");
      } catch (const Error&) {
        // best effort
      }
    }
  }

  // kubectl against the test cluster; its stdout. Fails the test on a non-zero exit.
  std::string kubectl(std::vector<std::string> args) {
    args.insert(args.begin(), {kubectl_, "--kubeconfig", kubeconfig_});
    const auto result = runCommand(args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return result.out;
  }

  std::string createNamespace(const std::string& label_value = "") {
    const std::string name = uniqueName("keelson-kc");
    nlohmann::json ns = {
        {"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}};
    if (!label_value.empty())
      ns["metadata"]["labels"] = {{"keelson-kube-client-test", label_value}};
    client_->send("POST", "/api/v1/namespaces", ns.dump());
    namespaces_.push_back(name);
    return name;
  }

  std::string kubeconfig_;
  std::string kubectl_;
  ClusterConfig config_;
  std::unique_ptr<Client> client_;
  std::vector<std::string> namespaces_;
};

std::vector<std::string> itemNames(std::string_view page) {
  std::vector<std::string> names;
  const auto list = nlohmann::json::parse(page);
  for (const auto& item : list["items"]) names.push_back(item["metadata"]["name"]);
  return names;
}

TEST_F(ClusterTest, GetVersionMatchesKubectl) {
  const auto version = nlohmann::json::parse(client_->get("/version"));
  const auto kubectl_version = nlohmann::json::parse(kubectl({"version", "-o", "json"}));
  EXPECT_FALSE(version["gitVersion"].get<std::string>().empty());
  EXPECT_EQ(version["gitVersion"], kubectl_version["serverVersion"]["gitVersion"]);
}

TEST_F(ClusterTest, ListNamespacesPageByPageMatchesKubectl) {
  const std::string label = uniqueName("list");
  std::vector<std::string> created;
  for (int i = 0; i < 3; ++i) created.push_back(createNamespace(label));
  std::sort(created.begin(), created.end());

  // Our own labelled namespaces, one per page. The server filters a page after reading it from
  // storage, so a page may come back empty (with a continue token): at least three pages.
  ListOptions options;
  options.limit = 1;
  options.label_selector = "keelson-kube-client-test=" + label;
  std::vector<std::string> names;
  int pages = 0;
  const std::string rv = client_->listPages("/api/v1/namespaces", options, [&](std::string_view p) {
    ++pages;
    const auto page_names = itemNames(p);
    EXPECT_LE(page_names.size(), 1u);
    names.insert(names.end(), page_names.begin(), page_names.end());
  });
  EXPECT_FALSE(rv.empty());
  EXPECT_GE(pages, 3);
  EXPECT_EQ(names, created);
  std::vector<std::string> from_kubectl;
  std::istringstream out(kubectl({"get", "ns", "-l", options.label_selector, "-o", "name"}));
  for (std::string line; std::getline(out, line);) from_kubectl.push_back(line.substr(10));
  EXPECT_EQ(names, from_kubectl);  // "namespace/<name>"

  // Every namespace, one per page, against `kubectl get ns -o name`. Other tests may create or
  // delete namespaces between the two reads, so a mismatch is retried a few times.
  std::size_t ours = 0;
  std::size_t theirs = 0;
  for (int attempt = 0; attempt < 5; ++attempt) {
    ours = 0;
    pages = 0;
    ListOptions all;
    all.limit = 1;
    client_->listPages("/api/v1/namespaces", all, [&](std::string_view p) {
      ++pages;
      const std::size_t items = itemNames(p).size();
      EXPECT_LE(items, 1u);
      ours += items;
    });
    EXPECT_GE(static_cast<std::size_t>(pages), ours);  // it really paged
    const std::string listed = kubectl({"get", "ns", "-o", "name"});
    theirs = static_cast<std::size_t>(std::count(listed.begin(), listed.end(), '\n'));
    if (ours == theirs) break;
  }
  EXPECT_EQ(ours, theirs);
  EXPECT_GE(ours, 4u + 3u);  // default, kube-system, kube-public, kube-node-lease + ours
}

TEST_F(ClusterTest, WatchSeesCreateUpdateDeleteInOrder) {
  const std::string ns = createNamespace();
  const std::string path = "/api/v1/namespaces/" + ns + "/configmaps";
  const std::string list_rv = client_->listPages(path, {}, [](std::string_view) {});

  struct Seen {
    WatchEventType type;
    std::string name;
    std::string value;
    std::string resource_version;
  };
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<Seen> seen;
  std::string watch_error;
  std::stop_source stop;
  WatchResult result;
  WatchOptions options;
  options.resource_version = list_rv;
  options.field_selector = "metadata.name=keelson-watched";
  std::thread watcher([&] {
    try {
      result = client_->watch(
          path, options,
          [&](const WatchEvent& event) {
            if (event.type == WatchEventType::kBookmark) return;
            const auto object = nlohmann::json::parse(event.object_json);
            const std::lock_guard lock(mutex);
            seen.push_back({event.type, object["metadata"]["name"],
                            object.value("data", nlohmann::json::object()).value("k", ""),
                            std::string(event.resource_version)});
            changed.notify_all();
          },
          stop.get_token());
    } catch (const std::exception& e) {
      const std::lock_guard lock(mutex);
      watch_error = e.what();
      changed.notify_all();
    }
  });

  const std::string created = client_->send(
      "POST", path,
      R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"keelson-watched"},"data":{"k":"v1"}})");
  client_->send("PATCH", path + "/keelson-watched", R"({"data":{"k":"v2"}})",
                "application/merge-patch+json");
  client_->send("DELETE", path + "/keelson-watched", "");
  {
    std::unique_lock lock(mutex);
    changed.wait_for(lock, 30s, [&] { return seen.size() >= 3 || !watch_error.empty(); });
  }
  stop.request_stop();
  watcher.join();

  ASSERT_EQ(watch_error, "");
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].type, WatchEventType::kAdded);
  EXPECT_EQ(seen[0].value, "v1");
  EXPECT_EQ(seen[1].type, WatchEventType::kModified);
  EXPECT_EQ(seen[1].value, "v2");
  EXPECT_EQ(seen[2].type, WatchEventType::kDeleted);
  for (const auto& event : seen) EXPECT_EQ(event.name, "keelson-watched");
  // The ADDED event carries the version the create returned.
  EXPECT_EQ(seen[0].resource_version,
            nlohmann::json::parse(created)["metadata"]["resourceVersion"]);
  EXPECT_NE(seen[1].resource_version, seen[0].resource_version);
  EXPECT_NE(seen[2].resource_version, seen[1].resource_version);
  EXPECT_TRUE(result.stopped);
  EXPECT_EQ(result.resource_version.empty(), false);
}

// A real "too old resource version". Built-in resources are cached by the API server since it
// started, when the store's revision was tiny, so resourceVersion "1" is still inside their
// watch-cache window and would be served. A CustomResourceDefinition created now gets a fresh
// watch cache that starts at the current revision: a watch from "1" is older than anything it
// holds and the server answers with an ERROR event (code 410, reason Expired).
TEST_F(ClusterTest, WatchFromBeforeTheWatchCacheWindowIsGone) {
  const std::string group = "kc" + std::to_string(::getpid()) + ".keelson.test";
  const std::string crd = "widgets." + group;
  const nlohmann::json definition = {
      {"apiVersion", "apiextensions.k8s.io/v1"},
      {"kind", "CustomResourceDefinition"},
      {"metadata", {{"name", crd}}},
      {"spec",
       {{"group", group},
        {"scope", "Namespaced"},
        {"names", {{"plural", "widgets"}, {"singular", "widget"}, {"kind", "Widget"}}},
        {"versions",
         {{{"name", "v1"},
           {"served", true},
           {"storage", true},
           {"schema",
            {{"openAPIV3Schema",
              {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}}}}}}}}}}};
  const std::string crd_path = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
  client_->send("POST", crd_path, definition.dump());
  struct DeleteCrd {
    Client& client;
    std::string path;
    ~DeleteCrd() {
      try {
        client.send("DELETE", path, "");
      } catch (const Error&) {
        // best effort
      }
    }
  } cleanup{*client_, crd_path + "/" + crd};

  WatchOptions options;
  options.resource_version = "1";
  options.timeout_seconds = 10;
  const std::string path = "/apis/" + group + "/v1/namespaces/default/widgets";
  // The new resource is served once the CRD is Established; until then the path is a 404.
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  for (;;) {
    try {
      client_->watch(path, options, [](const WatchEvent&) {});
      FAIL() << "the watch ended without an error";
      return;
    } catch (const ApiError& e) {
      if (e.code() == ErrorCode::kNotFound && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(200ms);
        continue;
      }
      EXPECT_EQ(e.code(), ErrorCode::kGone) << e.what();
      EXPECT_EQ(e.httpStatus(), 410);
      EXPECT_EQ(e.reason(), "Expired");
      EXPECT_THAT(e.serverMessage(), HasSubstr("too old resource version: 1 ("));
      return;
    }
  }
}

// The in-cluster configuration with a real bound service-account token (kubectl create token),
// laid out like a pod's /var/run/secrets/kubernetes.io/serviceaccount. The token file starts out
// invalid; after a 401 the transport re-reads it, so writing a valid token "rotates" it.
TEST_F(ClusterTest, InClusterServiceAccountTokenIsRereadAfterUnauthorized) {
  const std::string ns = createNamespace();
  // The namespace's "default" service account is created by the controller-manager.
  std::string token;
  for (int attempt = 0; attempt < 50 && token.empty(); ++attempt) {
    const auto result = runCommand({kubectl_, "--kubeconfig", kubeconfig_, "create", "token",
                                    "default", "-n", ns, "--duration", "10m"});
    if (result.exit_code == 0) token = result.out;
    if (token.empty()) std::this_thread::sleep_for(200ms);
  }
  ASSERT_FALSE(token.empty()) << "kubectl create token failed";
  while (!token.empty() && token.back() == '\n') token.pop_back();

  TempDir sa;
  testing::writeFile(sa / "token", "not-a-valid-token\n");
  testing::writeFile(sa / "ca.crt", config_.ca_pem);
  testing::writeFile(sa / "namespace", ns);
  // The API server's URL from the admin kubeconfig: https://127.0.0.1:<port>.
  const std::string host_port = config_.server.substr(config_.server.find("://") + 3);
  const std::string host = host_port.substr(0, host_port.rfind(':'));
  const std::string port = host_port.substr(host_port.rfind(':') + 1);
  const ClusterConfig in_cluster =
      loadInClusterConfig(sa.path(), [&](const std::string& name) -> std::optional<std::string> {
        if (name == "KUBERNETES_SERVICE_HOST") return host;
        if (name == "KUBERNETES_SERVICE_PORT") return port;
        return std::nullopt;
      });
  EXPECT_EQ(in_cluster.namespace_name, ns);
  const Client client(in_cluster);
  const std::string review_path = "/apis/authentication.k8s.io/v1/selfsubjectreviews";
  const std::string review =
      R"({"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"})";
  try {
    client.send("POST", review_path, review);
    FAIL() << "an invalid token was accepted";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnauthorized);
  }

  testing::writeFile(sa / "token", token + "\n");  // kubelet rotates the projected token
  const auto answer = nlohmann::json::parse(client.send("POST", review_path, review));
  EXPECT_EQ(answer["status"]["userInfo"]["username"], "system:serviceaccount:" + ns + ":default");
}

TEST_F(ClusterTest, NotFoundAndAlreadyExists) {
  try {
    client_->get("/api/v1/namespaces/keelson-does-not-exist");
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_EQ(e.reason(), "NotFound");
    EXPECT_EQ(e.serverMessage(), "namespaces \"keelson-does-not-exist\" not found");
  }
  const std::string ns = createNamespace();
  const std::string body = R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"twice"}})";
  client_->send("POST", "/api/v1/namespaces/" + ns + "/configmaps", body);
  try {
    client_->send("POST", "/api/v1/namespaces/" + ns + "/configmaps", body);
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kConflict);
    EXPECT_EQ(e.reason(), "AlreadyExists");
  }
}

TEST_F(ClusterTest, WrongCaFailsWithAClearError) {
  TempDir dir;
  const auto made = runCommand({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                                "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                                (dir / "ca.key").string(), "-out", (dir / "ca.crt").string(),
                                "-days", "1", "-subj", "/CN=not-the-cluster-ca"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  ClusterConfig wrong = config_;
  wrong.ca_pem = readFile(dir / "ca.crt");
  wrong.insecure_skip_tls_verify = false;
  TransportOptions options;
  options.retry.max_attempts = 1;
  try {
    Client(wrong, options).get("/version");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnavailable);
    EXPECT_THAT(e.what(), StartsWith(wrong.server + ": SSL certificate problem"));
  }
}

TEST_F(ClusterTest, BadTokenIsUnauthorized) {
  ClusterConfig bad = config_;
  bad.client_cert_pem.clear();
  bad.client_key_pem.clear();
  bad.exec.reset();
  bad.token_file.clear();
  bad.bearer_token = "keelson-not-a-valid-token";
  try {
    Client(bad).get("/api/v1/namespaces");
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnauthorized);
    EXPECT_EQ(e.httpStatus(), 401);
  }
}

}  // namespace
}  // namespace keelson::kube
