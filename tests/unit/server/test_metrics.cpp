#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "core/error.h"
#include "server/metrics.h"

namespace keelson::server {
namespace {

TEST(Metrics, CounterSeriesWithEscapedLabels) {
  Registry registry;
  auto& counter = registry.counter("demo_events_total", "Events.\nSecond line \\ here.", {"kind"});
  counter.inc({"a\"b\\c\nd"}, 2);
  counter.inc({"plain"});
  EXPECT_DOUBLE_EQ(counter.value({"plain"}), 1.0);
  EXPECT_EQ(registry.serialize(),
            "# HELP demo_events_total Events.\\nSecond line \\\\ here.\n"
            "# TYPE demo_events_total counter\n"
            "demo_events_total{kind=\"a\\\"b\\\\c\\nd\"} 2\n"
            "demo_events_total{kind=\"plain\"} 1\n");
}

TEST(Metrics, GaugeSetIncDecRemove) {
  Registry registry;
  auto& gauge = registry.gauge("demo_queue_length", "Queue length.", {"queue"});
  gauge.set({"q1"}, 5);
  gauge.inc({"q1"}, 2);
  gauge.dec({"q1"});
  gauge.set({"q2"}, 0.25);
  EXPECT_DOUBLE_EQ(gauge.value({"q1"}), 6.0);
  gauge.remove({"q2"});
  EXPECT_EQ(registry.serialize(),
            "# HELP demo_queue_length Queue length.\n"
            "# TYPE demo_queue_length gauge\n"
            "demo_queue_length{queue=\"q1\"} 6\n");
}

TEST(Metrics, ExponentialBucketsMultiplyFromTheStart) {
  EXPECT_EQ(exponentialBuckets(0.001, 2, 4), (std::vector<double>{0.001, 0.002, 0.004, 0.008}));
  EXPECT_EQ(exponentialBuckets(1, 10, 3), (std::vector<double>{1, 10, 100}));
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  Registry registry;
  auto& histogram = registry.histogram("demo_latency_seconds", "Latency.", {"route"}, {0.1, 1});
  histogram.observe({"/x"}, 0.05);
  histogram.observe({"/x"}, 0.1);  // le is inclusive
  histogram.observe({"/x"}, 0.5);
  histogram.observe({"/x"}, 3);
  EXPECT_EQ(histogram.count({"/x"}), 4U);
  EXPECT_EQ(registry.serialize(),
            "# HELP demo_latency_seconds Latency.\n"
            "# TYPE demo_latency_seconds histogram\n"
            "demo_latency_seconds_bucket{route=\"/x\",le=\"0.1\"} 2\n"
            "demo_latency_seconds_bucket{route=\"/x\",le=\"1\"} 3\n"
            "demo_latency_seconds_bucket{route=\"/x\",le=\"+Inf\"} 4\n"
            "demo_latency_seconds_sum{route=\"/x\"} 3.65\n"
            "demo_latency_seconds_count{route=\"/x\"} 4\n");
}

TEST(Metrics, CallbackGaugeSortedAndFamiliesSortedByName) {
  Registry registry;
  registry.callbackGauge("zz_cache_objects", "Objects in the cache.", {"resource"}, [] {
    return std::vector<GaugeSample>{{{"pods"}, 3}, {{"nodes"}, 1}};
  });
  registry.gauge("aa_up", "Up.").set({}, 1);
  EXPECT_EQ(registry.serialize(),
            "# HELP aa_up Up.\n# TYPE aa_up gauge\naa_up 1\n"
            "# HELP zz_cache_objects Objects in the cache.\n# TYPE zz_cache_objects gauge\n"
            "zz_cache_objects{resource=\"nodes\"} 1\nzz_cache_objects{resource=\"pods\"} 3\n");
}

TEST(Metrics, NamingRulesAndReRegistration) {
  Registry registry;
  EXPECT_THROW(registry.counter("requests", "no _total suffix"), Error);
  EXPECT_THROW(registry.gauge("1bad", "starts with a digit"), Error);
  EXPECT_THROW(registry.gauge("ok_name", "bad label", {"__reserved"}), Error);
  EXPECT_THROW(registry.gauge("ok_name2", "repeated label", {"a", "a"}), Error);
  EXPECT_THROW(registry.histogram("h_seconds", "le is reserved", {"le"}), Error);
  EXPECT_THROW(registry.histogram("h2_seconds", "unsorted", {}, {1, 0.5}), Error);
  auto& first = registry.counter("x_total", "X.", {"a"});
  EXPECT_EQ(&first, &registry.counter("x_total", "X.", {"a"}));
  EXPECT_THROW(registry.counter("x_total", "X.", {"b"}), Error);
  EXPECT_THROW(registry.gauge("x_total", "X."), Error);
  EXPECT_THROW(first.inc({"v"}, -1), Error);
  EXPECT_THROW(first.inc({}), Error);  // wrong number of label values
}

TEST(Metrics, SampleValueFormatting) {
  EXPECT_EQ(formatSampleValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(formatSampleValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(formatSampleValue(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(formatSampleValue(42), "42");
  EXPECT_EQ(formatSampleValue(0.005), "0.005");
  EXPECT_EQ(formatSampleValue(1e21), "1e+21");
}

}  // namespace
}  // namespace keelson::server
