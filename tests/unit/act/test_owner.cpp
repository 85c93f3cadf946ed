// Finding a pod's controlling workload (act/owner.h) on objects recorded from a v1.36 cluster
// (tests/data/kube/api): a Deployment's pod through its ReplicaSet, a StatefulSet's, a
// DaemonSet's, a Job's and a bare pod. Each GET is answered from the recorded lists, and the
// expected owners are read from the same files with nlohmann::json directly.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "act/owner.h"
#include "common/expect_error.h"
#include "common/test_env.h"
#include "core/error.h"

namespace keelson::act {
namespace {

using nlohmann::json;

json fixture(const std::string& name) {
  std::ifstream in(keelson::testing::testDataDir() + "/kube/api/" + name);
  return json::parse(in);
}

// GET answers by path, from the recorded lists; the paths asked are kept.
struct RecordedApi {
  std::map<std::string, json> objects;
  std::vector<std::string> asked;

  RecordedApi() {
    const std::map<std::string, std::string> collections = {
        {"pods.json", "/api/v1/namespaces/{}/pods/"},
        {"replicasets.json", "/apis/apps/v1/namespaces/{}/replicasets/"},
        {"deployments.json", "/apis/apps/v1/namespaces/{}/deployments/"},
        {"statefulsets.json", "/apis/apps/v1/namespaces/{}/statefulsets/"},
        {"daemonsets.json", "/apis/apps/v1/namespaces/{}/daemonsets/"}};
    for (const auto& [file, prefix] : collections) {
      const json list = fixture(file);  // not in the for: a temporary's member would dangle
      for (const json& item : list["items"]) {
        std::string path = prefix;
        path.replace(path.find("{}"), 2, item["metadata"]["namespace"].get<std::string>());
        objects[path + item["metadata"]["name"].get<std::string>()] = item;
      }
    }
  }
  ApiGet get() {
    return [this](const std::string& path) {
      asked.push_back(path);
      const auto it = objects.find(path);
      if (it == objects.end()) throw Error(ErrorCode::kNotFound, path + ": not found");
      return it->second.dump();
    };
  }
};

std::vector<std::string> containerNames(const PodOwner& owner) {
  std::vector<std::string> names;
  for (const auto& c : owner.containers) names.push_back(c.name);
  return names;
}

TEST(PodOwner, DeploymentThroughItsReplicaSet) {
  RecordedApi api;
  const PodOwner owner = resolvePodOwner(api.get(), "shop", "web-7b87746859-klq2s");
  EXPECT_EQ(owner.controller, "ReplicaSet/web-7b87746859");
  ASSERT_TRUE(owner.workload.has_value());
  EXPECT_EQ(owner.workload->display(), "deployment.apps/web");
  EXPECT_EQ(api.asked,
            (std::vector<std::string>{"/api/v1/namespaces/shop/pods/web-7b87746859-klq2s",
                                      "/apis/apps/v1/namespaces/shop/replicasets/web-7b87746859",
                                      "/apis/apps/v1/namespaces/shop/deployments/web"}));
  // The Deployment's template containers, with their resources as written.
  const json deployments = fixture("deployments.json");
  const json containers = deployments["items"][0]["spec"]["template"]["spec"]["containers"];
  ASSERT_EQ(owner.containers.size(), containers.size());
  for (std::size_t i = 0; i < containers.size(); ++i) {
    EXPECT_EQ(owner.containers[i].name, containers[i]["name"]);
    const json resources = containers[i].value("resources", json::object());
    EXPECT_EQ(json(owner.containers[i].limits), resources.value("limits", json::object()));
    EXPECT_EQ(json(owner.containers[i].requests), resources.value("requests", json::object()));
  }
}

TEST(PodOwner, StatefulSetDaemonSetJobAndBarePod) {
  RecordedApi api;
  PodOwner owner = resolvePodOwner(api.get(), "shop", "db-0");
  EXPECT_EQ(owner.controller, "StatefulSet/db");
  EXPECT_EQ(owner.workload->display(), "statefulset.apps/db");
  EXPECT_EQ(containerNames(owner), std::vector<std::string>{"postgres"});
  EXPECT_EQ(owner.containers[0].limits, (ResourceValues{{"cpu", "2"}, {"memory", "4Gi"}}));

  owner = resolvePodOwner(api.get(), "shop", "node-agent-2k892");
  EXPECT_EQ(owner.workload->display(), "daemonset.apps/node-agent");

  api.asked.clear();
  owner = resolvePodOwner(api.get(), "shop", "report-9qq6k");
  EXPECT_EQ(owner.controller, "Job/report");
  EXPECT_FALSE(owner.workload.has_value()) << "a Job's template is not changed by remediation";
  EXPECT_EQ(api.asked.size(), 1U) << "no GET of the Job";

  owner = resolvePodOwner(api.get(), "shop", "crashy");
  EXPECT_EQ(owner.controller, "");
  EXPECT_FALSE(owner.workload.has_value());
}

TEST(PodOwner, AReplicaSetOfAnotherControllerIsNotChanged) {
  RecordedApi api;
  json& rs = api.objects.at("/apis/apps/v1/namespaces/shop/replicasets/web-7b87746859");
  rs["metadata"]["ownerReferences"][0]["apiVersion"] = "argoproj.io/v1alpha1";
  rs["metadata"]["ownerReferences"][0]["kind"] = "Rollout";
  PodOwner owner = resolvePodOwner(api.get(), "shop", "web-7b87746859-klq2s");
  EXPECT_EQ(owner.controller, "ReplicaSet/web-7b87746859");
  EXPECT_FALSE(owner.workload.has_value());
  // A ReplicaSet of its own is its own workload.
  rs["metadata"].erase("ownerReferences");
  owner = resolvePodOwner(api.get(), "shop", "web-7b87746859-klq2s");
  EXPECT_EQ(owner.workload->display(), "replicaset.apps/web-7b87746859");
}

TEST(PodOwner, AGonePodIsTheApisError) {
  RecordedApi api;
  const Error e = keelson::testing::expectError([&] { resolvePodOwner(api.get(), "shop", "x"); });
  EXPECT_EQ(e.code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace keelson::act
