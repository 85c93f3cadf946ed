// EventSeriesCache: client-go's aggregation of isomorphic events into events.k8s.io/v1 series,
// step by step on a hand-moved clock.

#include <gtest/gtest.h>

#include "kube/event_series.h"

namespace keelson::kube {
namespace {

using namespace std::chrono_literals;
using Kind = EventDecision::Kind;
using Clock = EventSeriesCache::Clock;

const Clock::time_point t0 = Clock::time_point{} + std::chrono::hours(1000);

TEST(EventSeries, SecondEventStartsASeriesAndLaterOnesArePatchedAtMostEveryThirtySeconds) {
  EventSeriesCache cache;
  const EventDecision first = cache.observe("k", "ns", "pod.1", t0);
  EXPECT_EQ(first.kind, Kind::kCreate);
  EXPECT_EQ(first.name, "pod.1");
  EXPECT_EQ(first.namespace_name, "ns");

  const EventDecision second = cache.observe("k", "ns", "pod.2", t0 + 1s);
  EXPECT_EQ(second.kind, Kind::kPatch);
  EXPECT_EQ(second.name, "pod.1");  // The series lives on the first event.
  EXPECT_EQ(second.count, 2);
  EXPECT_EQ(second.last_observed, t0 + 1s);

  EXPECT_EQ(cache.observe("k", "ns", "pod.3", t0 + 2s).kind, Kind::kNone);
  const EventDecision third = cache.observe("k", "ns", "pod.4", t0 + 20s);
  EXPECT_EQ(third.kind, Kind::kNone);
  EXPECT_EQ(third.count, 4);

  const EventDecision later = cache.observe("k", "ns", "pod.5", t0 + 31s);
  EXPECT_EQ(later.kind, Kind::kPatch);
  EXPECT_EQ(later.count, 5);
  EXPECT_EQ(later.last_observed, t0 + 31s);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(EventSeries, DifferentKeysAreSeparateEvents) {
  EventSeriesCache cache;
  EXPECT_EQ(cache.observe("a", "ns", "a.1", t0).kind, Kind::kCreate);
  EXPECT_EQ(cache.observe("b", "ns", "b.1", t0).kind, Kind::kCreate);
  EXPECT_EQ(cache.observe("a", "ns", "a.2", t0 + 1s).count, 2);
  EXPECT_EQ(cache.observe("b", "ns", "b.2", t0 + 1s).name, "b.1");
  EXPECT_EQ(cache.size(), 2u);
}

TEST(EventSeries, SweepFinishesIdleSeriesWithTheirLastCountAndForgetsOldEvents) {
  EventSeriesCache cache;
  cache.observe("series", "ns", "s.1", t0);
  cache.observe("series", "ns", "s.2", t0 + 1s);  // Patched: count 2.
  cache.observe("series", "ns", "s.3", t0 + 2s);  // Count 3, not yet sent.
  cache.observe("patched", "ns", "p.1", t0);
  cache.observe("patched", "ns", "p.2", t0 + 1s);  // Count 2, sent.
  cache.observe("lone", "ns", "l.1", t0);
  cache.observe("recent", "ns", "r.1", t0 + 5min);

  EXPECT_TRUE(cache.sweep(t0 + 5min).empty());
  EXPECT_EQ(cache.size(), 4u);

  const std::vector<EventDecision> finished = cache.sweep(t0 + 2s + kSeriesFinishAfter);
  ASSERT_EQ(finished.size(), 1u);
  EXPECT_EQ(finished[0].kind, Kind::kPatch);
  EXPECT_EQ(finished[0].name, "s.1");
  EXPECT_EQ(finished[0].count, 3);
  EXPECT_EQ(finished[0].last_observed, t0 + 2s);
  EXPECT_EQ(cache.size(), 1u);  // Only "recent" is left.
  EXPECT_EQ(cache.observe("recent", "ns", "r.2", t0 + 6min).kind, Kind::kPatch);
}

TEST(EventSeries, AnEventAfterTheSeriesEndedStartsANewOneEvenBeforeASweep) {
  EventSeriesCache cache;
  cache.observe("k", "ns", "k.1", t0);
  cache.observe("k", "ns", "k.2", t0 + 1s);
  const EventDecision again = cache.observe("k", "ns", "k.3", t0 + 1s + kSeriesFinishAfter);
  EXPECT_EQ(again.kind, Kind::kCreate);
  EXPECT_EQ(again.name, "k.3");
  EXPECT_EQ(cache.observe("k", "ns", "k.4", t0 + 2s + kSeriesFinishAfter).name, "k.3");
}

TEST(EventSeries, ForgottenKeyStartsOver) {
  EventSeriesCache cache;
  cache.observe("k", "ns", "k.1", t0);
  cache.forget("k");
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.observe("k", "ns", "k.2", t0 + 1s).kind, Kind::kCreate);
}

}  // namespace
}  // namespace keelson::kube
