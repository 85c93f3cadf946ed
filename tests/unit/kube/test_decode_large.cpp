// A 10,000-pod list (about 35 MB, as a large cluster's GET /api/v1/pods) decodes completely.
#include <gtest/gtest.h>

#include <string>

#include "kube/decode.h"
#include "kube/pod.h"
#include "test_decode_gen.h"

namespace keelson::kube {
namespace {

using testing::expectedPodCpuMilli;
using testing::expectedPodMemoryBytes;
using testing::expectedPodName;
using testing::expectedPodNamespace;
using testing::expectedPodNode;
using testing::expectedPodRestarts;

constexpr std::size_t kPods = 10'000;

void expectGeneratedPods(const ObjectList<Pod>& list) {
  ASSERT_EQ(list.items.size(), kPods);
  EXPECT_EQ(list.resource_version, "123456");
  for (std::size_t i = 0; i < kPods; ++i) {
    const Pod& pod = list.items[i];
    SCOPED_TRACE(pod.metadata.name);
    ASSERT_EQ(pod.metadata.name, expectedPodName(i));
    ASSERT_EQ(pod.metadata.namespace_name, expectedPodNamespace(i));
    ASSERT_EQ(pod.spec.node_name, expectedPodNode(i));
    ASSERT_EQ(pod.spec.containers.size(), 1u);
    const Container& app = pod.spec.containers[0];
    ASSERT_EQ(app.resources.requests.at("cpu").milliValue(), expectedPodCpuMilli(i));
    ASSERT_EQ(app.resources.requests.at("memory").value(), expectedPodMemoryBytes(i));
    ASSERT_EQ(app.resources.limits.at("memory").value(), expectedPodMemoryBytes(i));
    ASSERT_EQ(app.env.size(), 3u);
    ASSERT_EQ(pod.spec.tolerations.size(), 2u);
    ASSERT_EQ(pod.metadata.owner_references.size(), 1u);
    ASSERT_TRUE(pod.metadata.owner_references[0].controller);
    if (pod.spec.node_name.empty()) {
      ASSERT_EQ(pod.status.phase, "Pending");
      ASSERT_TRUE(pod.status.container_statuses.empty());
    } else {
      ASSERT_EQ(pod.status.phase, "Running");
      ASSERT_EQ(pod.status.conditions.size(), 5u);
      ASSERT_EQ(pod.status.container_statuses.size(), 1u);
      const ContainerStatus& status = pod.status.container_statuses[0];
      ASSERT_EQ(status.restart_count, expectedPodRestarts(i));
      ASSERT_EQ(status.state.kind, ContainerState::Kind::kRunning);
      ASSERT_EQ(status.last_state.kind, ContainerState::Kind::kTerminated);
      ASSERT_EQ(status.last_state.exit_code, 137);
    }
  }
}

TEST(DecodeLargeList, TenThousandPods) {
  const std::string json = testing::makePodListJson(kPods);
  // Realistic pods are 2-4 KB each.
  EXPECT_GT(json.size(), kPods * 2000);
  EXPECT_LT(json.size(), kPods * 4000);
  expectGeneratedPods(decodeList<Pod>(json));
}

TEST(DecodeLargeList, TenThousandPodsInPlace) {
  std::string json = testing::makePodListJson(kPods);
  json.reserve(json.size() + kJsonPadding);
  expectGeneratedPods(decodeList<Pod>(PaddedJson(json)));
}

// The thread's buffers, once released, are allocated again by the next decode: a large list,
// a small one and the large one again decode the same as before, released or not.
TEST(DecodeLargeList, DecodesTheSameAfterTheBuffersAreReleased) {
  const std::string json = testing::makePodListJson(kPods);
  expectGeneratedPods(decodeList<Pod>(json));
  releaseDecodeBuffers();
  releaseDecodeBuffers();  // twice in a row is fine
  const auto small = decodeList<Pod>(testing::makePodListJson(2));
  ASSERT_EQ(small.items.size(), 2U);
  EXPECT_EQ(small.items[1].metadata.name, expectedPodName(1));
  releaseDecodeBuffers();
  expectGeneratedPods(decodeList<Pod>(json));
}

}  // namespace
}  // namespace keelson::kube
