// The cluster-wide pod issues on objects recorded from a real v1.36 control plane (namespace
// "shop" of tests/data/kube/api, see test_namespace_errors.cpp), plus a copy of it in a second
// namespace. The namespace analysis is the reference for workload pods; the cluster view adds
// the pods it leaves out (bare and Job pods).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <stop_token>
#include <string>
#include <vector>

#include "analysis/cluster_pod_issues.h"
#include "common/test_env.h"
#include "core/error.h"
#include "kube/decode.h"

namespace keelson::analysis {
namespace {

template <class T>
std::vector<const T*> pointers(const std::vector<T>& objects) {
  std::vector<const T*> out;
  for (const T& object : objects) out.push_back(&object);
  return out;
}

template <class T>
std::vector<const T*> inNamespace(const std::vector<T>& objects, std::string_view ns) {
  std::vector<const T*> out;
  for (const T& object : objects) {
    if (object.metadata.namespace_name == ns) out.push_back(&object);
  }
  return out;
}

std::string key(const ProblematicPod& p) { return p.namespace_name + "/" + p.name; }

class ClusterPodIssuesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pods_ = kube::decodeList<kube::Pod>(keelson::testing::apiFixture("pods.json")).items;
    replica_sets_ =
        kube::decodeList<kube::ReplicaSet>(keelson::testing::apiFixture("replicasets.json")).items;
    events_ =
        kube::decodeList<kube::Event>(keelson::testing::apiFixture("events_core_v1.json")).items;
    // The Job's first pod failed: a problem the cluster view reports and the namespace one not.
    for (auto& pod : pods_) {
      if (pod.metadata.name == "report-9qq6k") pod.status.phase = "Failed";
    }
  }

  // The recorded namespace again as "blue" (sorts before "shop").
  void addCopy() {
    const std::size_t n = pods_.size();
    for (std::size_t i = 0; i < n; ++i) {
      kube::Pod copy = pods_[i];
      copy.metadata.namespace_name = "blue";
      copy.metadata.uid = copy.metadata.uid + "-blue";
      pods_.push_back(copy);
    }
    const std::size_t r = replica_sets_.size();
    for (std::size_t i = 0; i < r; ++i) {
      kube::ReplicaSet copy = replica_sets_[i];
      copy.metadata.namespace_name = "blue";
      replica_sets_.push_back(copy);
    }
  }

  ClusterPodObjects objects() {
    ClusterPodObjects out;
    out.pods = pointers(pods_);
    out.replica_sets = [this](std::string_view ns) {
      replica_set_lookups_.insert(std::string(ns));
      return inNamespace(replica_sets_, ns);
    };
    out.events = [this](std::string_view ns) {
      ++event_lookups_;
      return inNamespace(events_, ns);
    };
    return out;
  }

  ClusterPodIssues analyze(const PodIssueFilter& filter = {}, const PodIssuesPage& page = {}) {
    return analyzeClusterPodIssues(objects(), now_, {}, filter, page);
  }

  std::vector<kube::Pod> pods_;
  std::vector<kube::ReplicaSet> replica_sets_;
  std::vector<kube::Event> events_;
  std::set<std::string> replica_set_lookups_;
  int event_lookups_ = 0;
  kube::Time now_ = kube::parseTime("2026-11-21T00:20:00Z");
};

TEST_F(ClusterPodIssuesTest, ListsWorkloadPodsAsTheNamespaceAnalysisAndThePodsItLeavesOut) {
  const NamespaceErrorAnalysis reference =
      analyzeNamespaceErrors("shop", pods_, replica_sets_, events_, now_);
  std::set<std::string> expected;
  for (const auto& p : reference.problematic_pods) expected.insert(key(p));
  ASSERT_FALSE(expected.empty());
  // Bare pods (crash loop; unschedulable and long pending) and the failed Job pod.
  expected.insert({"shop/crashy", "shop/huge", "shop/report-9qq6k"});

  const ClusterPodIssues all = analyze();
  std::set<std::string> listed;
  for (const auto& p : all.problematic_pods) listed.insert(key(p));
  EXPECT_EQ(listed, expected);
  EXPECT_EQ(all.total_pods_analyzed, static_cast<int>(pods_.size()));
  EXPECT_EQ(all.problematic_pods_count, static_cast<int>(expected.size()));
  EXPECT_EQ(all.remaining_pods, 0);
  EXPECT_EQ(all.continue_after, "");

  // Workload pods carry the namespace analysis's owners and issues; the others their controller.
  for (const auto& p : all.problematic_pods) {
    const auto ref =
        std::find_if(reference.problematic_pods.begin(), reference.problematic_pods.end(),
                     [&](const ProblematicPod& r) { return r.name == p.name; });
    if (ref != reference.problematic_pods.end()) {
      EXPECT_EQ(p.owner.kind, ref->owner.kind) << p.name;
      EXPECT_EQ(p.owner.name, ref->owner.name) << p.name;
      EXPECT_EQ(p.issues.size(), ref->issues.size()) << p.name;
      EXPECT_EQ(p.recent_events.size(), ref->recent_events.size()) << p.name;
    } else if (p.name == "report-9qq6k") {
      EXPECT_EQ(p.owner.kind, "Job");
      EXPECT_EQ(p.owner.name, "report");
    } else {
      EXPECT_EQ(p.owner.kind, "") << p.name << " is a bare pod";
    }
  }
  // Counts over the issues listed.
  int critical = 0;
  int warning = 0;
  for (const auto& p : all.problematic_pods) {
    for (const auto& issue : p.issues) (issue.critical ? critical : warning)++;
  }
  EXPECT_EQ(all.critical_issues_count, critical);
  EXPECT_EQ(all.warning_issues_count, warning);
}

TEST_F(ClusterPodIssuesTest, SummaryCountsIssuesAndDistinctPodsPerType) {
  const ClusterPodIssues all = analyze();
  ASSERT_FALSE(all.summary.empty());
  for (const auto& group : all.summary) {
    int issues = 0;
    int pods = 0;
    for (const auto& p : all.problematic_pods) {
      const auto n = std::count_if(p.issues.begin(), p.issues.end(),
                                   [&](const PodIssue& i) { return i.type == group.type; });
      issues += static_cast<int>(n);
      pods += n > 0 ? 1 : 0;
    }
    EXPECT_EQ(group.count, issues) << issueTypeName(group.type);
    EXPECT_EQ(group.pod_count, pods) << issueTypeName(group.type);
  }
  EXPECT_TRUE(std::is_sorted(
      all.summary.begin(), all.summary.end(),
      [](const PodIssueGroup& a, const PodIssueGroup& b) { return a.type < b.type; }));
}

TEST_F(ClusterPodIssuesTest, SeverityAndTypeFiltersKeepOnlyMatchingIssues) {
  const ClusterPodIssues all = analyze();
  for (const bool critical : {true, false}) {
    const ClusterPodIssues only = analyze({.critical = critical, .type = std::nullopt});
    std::set<std::string> expected;
    for (const auto& p : all.problematic_pods) {
      for (const auto& issue : p.issues) {
        if (issue.critical == critical) expected.insert(key(p));
      }
    }
    std::set<std::string> listed;
    for (const auto& p : only.problematic_pods) {
      listed.insert(key(p));
      for (const auto& issue : p.issues) EXPECT_EQ(issue.critical, critical) << key(p);
    }
    EXPECT_EQ(listed, expected) << (critical ? "critical" : "warning");
    EXPECT_EQ(critical ? only.warning_issues_count : only.critical_issues_count, 0);
  }
  const ClusterPodIssues crash =
      analyze({.critical = std::nullopt, .type = PodIssueType::kCrashLoopBackOff});
  ASSERT_EQ(crash.summary.size(), 1U);
  EXPECT_EQ(crash.summary[0].type, PodIssueType::kCrashLoopBackOff);
  ASSERT_FALSE(crash.problematic_pods.empty());
  for (const auto& p : crash.problematic_pods) {
    for (const auto& issue : p.issues) EXPECT_EQ(issue.type, PodIssueType::kCrashLoopBackOff);
  }
}

TEST_F(ClusterPodIssuesTest, PagesWalkTheWholeListInNamespaceThenNameOrder) {
  addCopy();
  const ClusterPodIssues all = analyze();
  ASSERT_GT(all.problematic_pods.size(), 4U);
  std::vector<std::string> unpaged;
  for (const auto& p : all.problematic_pods) unpaged.push_back(key(p));
  EXPECT_TRUE(std::is_sorted(unpaged.begin(), unpaged.end()));
  EXPECT_EQ(unpaged.front().substr(0, 5), "blue/");

  std::vector<std::string> walked;
  PodIssuesPage page{.limit = 2, .after = ""};
  for (int pages = 0; pages < 100; ++pages) {
    const ClusterPodIssues slice = analyze({}, page);
    EXPECT_LE(slice.problematic_pods.size(), 2U);
    EXPECT_EQ(slice.problematic_pods_count, all.problematic_pods_count);
    for (const auto& p : slice.problematic_pods) walked.push_back(key(p));
    EXPECT_EQ(slice.remaining_pods, static_cast<int>(unpaged.size() - walked.size()));
    if (slice.continue_after.empty()) break;
    EXPECT_EQ(slice.continue_after, walked.back());
    page.after = slice.continue_after;
  }
  EXPECT_EQ(walked, unpaged);
}

TEST_F(ClusterPodIssuesTest, AContinueTokenOfAPodThatIsGoneResumesAfterIt) {
  const ClusterPodIssues all = analyze();
  ASSERT_GE(all.problematic_pods.size(), 3U);
  const std::string gone = key(all.problematic_pods[1]);
  std::erase_if(pods_, [&](const kube::Pod& p) {
    return p.metadata.namespace_name + "/" + p.metadata.name == gone;
  });
  const ClusterPodIssues next = analyze({}, {.limit = 1, .after = gone});
  ASSERT_EQ(next.problematic_pods.size(), 1U);
  EXPECT_EQ(key(next.problematic_pods[0]), key(all.problematic_pods[2]));
}

TEST_F(ClusterPodIssuesTest, OnlyTheListedPodsNamespacesAreLookedUp) {
  addCopy();
  const ClusterPodIssues first = analyze({}, {.limit = 1, .after = ""});
  ASSERT_EQ(first.problematic_pods.size(), 1U);
  EXPECT_EQ(first.problematic_pods[0].namespace_name, "blue");
  EXPECT_EQ(event_lookups_, 1);
  EXPECT_FALSE(replica_set_lookups_.count("shop"));
}

TEST_F(ClusterPodIssuesTest, ACancelledRequestStops) {
  std::stop_source stop;
  stop.request_stop();
  try {
    analyzeClusterPodIssues(objects(), now_, {}, {}, {}, stop.get_token());
    FAIL() << "not cancelled";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kTimeout);
  }
}

TEST_F(ClusterPodIssuesTest, IssueTypesParseByTheirNames) {
  for (const auto type :
       {PodIssueType::kCrashLoopBackOff, PodIssueType::kImagePullError, PodIssueType::kFailed,
        PodIssueType::kHighRestarts, PodIssueType::kUnschedulable,
        PodIssueType::kResourceConstraints, PodIssueType::kPending}) {
    EXPECT_EQ(parseIssueType(issueTypeName(type)), type);
  }
  EXPECT_FALSE(parseIssueType("crashloopbackoff"));
  EXPECT_FALSE(parseIssueType(""));
}

}  // namespace
}  // namespace keelson::analysis
