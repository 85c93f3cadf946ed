// NAB scoring rules on tiny hand-made cases, and the reproduction of NAB's published scores of
// its two reference detectors (an independent source of truth for the whole scorer).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <vector>

#include "common/prerequisite.h"
#include "common/test_env.h"
#include "core/error.h"
#include "detect/nab_scorer.h"

namespace keelson::detect::nab {
namespace {

// The NAB subset in the data folder shared beside the repository.
std::filesystem::path nabDir() {
  return (std::filesystem::path(keelson::testing::sourceDir()) / ".." / "shared" / "data" / "nab")
      .lexically_normal();
}

const CostProfile kStandard{"standard", 1.0, 0.11, 1.0};

TEST(NabScorer, ProbationIsFifteenPercentCappedAt750) {
  EXPECT_EQ(probationRows(100), 15u);
  EXPECT_EQ(probationRows(4032), 604u);
  EXPECT_EQ(probationRows(5000), 750u);
  EXPECT_EQ(probationRows(22695), 750u);
  EXPECT_EQ(probationRows(0), 0u);
}

TEST(NabScorer, ScaledSigmoid) {
  EXPECT_DOUBLE_EQ(scaledSigmoid(0.0), 0.0);
  EXPECT_NEAR(scaledSigmoid(-1.0), 0.98661429815, 1e-10);
  EXPECT_NEAR(scaledSigmoid(1.0), -0.98661429815, 1e-10);
  EXPECT_DOUBLE_EQ(scaledSigmoid(3.5), -1.0);
}

// 20 rows: probation 3; one window on rows 10..14 (width 5).
std::vector<double> scoresWith(std::initializer_list<std::pair<std::size_t, double>> hits) {
  std::vector<double> s(20, 0.0);
  for (const auto& [row, score] : hits) s[row] = score;
  return s;
}
const std::vector<WindowRows> kWindow{{10, 14}};

TEST(NabScorer, DetectionInsideWindowEarnsSigmoidOfPosition) {
  const auto points = sweepFile(scoresWith({{12, 1.0}}), kWindow, kStandard, 0);
  ASSERT_EQ(points.size(), 17u);  // 20 rows minus 3 probationary
  // Row 12: position -(14 - 12 + 1) / 5 = -0.6.
  const double expected = scaledSigmoid(-0.6) / scaledSigmoid(-1.0);
  EXPECT_NEAR(scoreAtThreshold(points, 1, kStandard, 0.5), expected, 1e-12);
}

TEST(NabScorer, OnlyTheBestDetectionInAWindowCounts) {
  const auto points =
      sweepFile(scoresWith({{10, 1.0}, {12, 1.0}, {14, 1.0}}), kWindow, kStandard, 0);
  // The earliest detection (row 10, position -1) is worth exactly tp; the others add nothing.
  EXPECT_NEAR(scoreAtThreshold(points, 1, kStandard, 0.5), 1.0, 1e-12);
}

TEST(NabScorer, MissedWindowCostsFn) {
  const auto points = sweepFile(scoresWith({}), kWindow, kStandard, 0);
  EXPECT_DOUBLE_EQ(scoreAtThreshold(points, 1, kStandard, 0.5), -1.0);
  const CostProfile low_fn{"reward_low_FN_rate", 1.0, 0.11, 2.0};
  EXPECT_DOUBLE_EQ(scoreAtThreshold(points, 1, low_fn, 0.5), -2.0);
}

TEST(NabScorer, FalsePositiveBeforeAnyWindowCostsFullFp) {
  const auto points = sweepFile(scoresWith({{5, 1.0}, {12, 1.0}}), kWindow, kStandard, 0);
  const double tp = scaledSigmoid(-0.6) / scaledSigmoid(-1.0);
  EXPECT_NEAR(scoreAtThreshold(points, 1, kStandard, 0.5), tp - 0.11, 1e-12);
}

TEST(NabScorer, FalsePositiveAfterAWindowIsWeightedByDistance) {
  // Row 16 is 2 rows after the window's end (14); NAB divides by width - 1 = 4.
  const auto near = sweepFile(scoresWith({{16, 1.0}}), kWindow, kStandard, 0);
  EXPECT_NEAR(scoreAtThreshold(near, 1, kStandard, 0.5), -1.0 + 0.11 * scaledSigmoid(2.0 / 4.0),
              1e-12);
  // Right after the window a detection costs almost nothing; far after it costs the full fp.
  const auto next = sweepFile(scoresWith({{15, 1.0}}), kWindow, kStandard, 0);
  EXPECT_GT(scoreAtThreshold(next, 1, kStandard, 0.5), -1.0 - 0.11 * 0.6);
  std::vector<double> long_series(200, 0.0);
  long_series[150] = 1.0;
  const std::vector<WindowRows> window{{40, 44}};
  const auto far = sweepFile(long_series, window, kStandard, 0);
  EXPECT_NEAR(scoreAtThreshold(far, 1, kStandard, 0.5), -1.11, 1e-12);
}

TEST(NabScorer, ProbationaryRowsAreNotScored) {
  const auto points = sweepFile(scoresWith({{1, 1.0}}), kWindow, kStandard, 0);
  EXPECT_DOUBLE_EQ(scoreAtThreshold(points, 1, kStandard, 0.5), -1.0);
}

TEST(NabScorer, ThresholdSweepFindsTheBestThreshold) {
  // The window's detection scores 0.9, a false positive before it 0.5: the best threshold is
  // 0.9 (tp only); at 0.5 the fp would cost 0.11.
  const auto points = sweepFile(scoresWith({{5, 0.5}, {10, 0.9}}), kWindow, kStandard, 0);
  const SweepResult r = optimizeThreshold(points, 1, kStandard);
  EXPECT_DOUBLE_EQ(r.threshold, 0.9);
  EXPECT_NEAR(r.raw, 1.0, 1e-12);
  EXPECT_NEAR(r.normalized, 100.0, 1e-9);
  // A detector whose only alarm is a false positive is best off alarming never: the null
  // detector, normalised 0.
  SweepPoint fp;
  fp.anomaly_score = 0.7;
  fp.sweep_score = -0.11;
  const SweepResult none = optimizeThreshold({fp}, 1, kStandard);
  EXPECT_DOUBLE_EQ(none.threshold, 1.1);
  EXPECT_NEAR(none.raw, -1.0, 1e-12);
  EXPECT_NEAR(none.normalized, 0.0, 1e-9);
}

TEST(NabScorer, WindowsOfDifferentFilesAreCountedSeparately) {
  auto a = sweepFile(scoresWith({{12, 1.0}}), kWindow, kStandard, 0);
  const auto b = sweepFile(scoresWith({{12, 1.0}}), kWindow, kStandard, 1);
  a.insert(a.end(), b.begin(), b.end());
  const double tp = scaledSigmoid(-0.6) / scaledSigmoid(-1.0);
  EXPECT_NEAR(scoreAtThreshold(a, 2, kStandard, 0.5), 2 * tp, 1e-12);
}

TEST(NabScorer, RawScoreIsTheSumOfPerFileScoresAtOneThreshold) {
  // bench_nab --cross-validate pools held-out files scored at different thresholds by summing
  // each file's raw score; that is NAB's total only because, at a fixed threshold, the total is
  // the sum over files. Random files with 0..2 windows, checked against the pooled sweep.
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<SweepPoint> pooled;
  std::vector<std::vector<SweepPoint>> files;
  std::vector<std::size_t> file_windows;
  std::int64_t next_id = 0;
  for (std::size_t f = 0; f < 12; ++f) {
    std::vector<double> scores(60);
    for (double& v : scores) v = unit(rng) < 0.1 ? unit(rng) : 0.0;
    std::vector<WindowRows> windows;
    if (f % 3 >= 1) windows.push_back({20, 25});
    if (f % 3 == 2) windows.push_back({40, 49});
    files.push_back(sweepFile(scores, windows, kStandard, next_id));
    file_windows.push_back(windows.size());
    next_id += static_cast<std::int64_t>(windows.size());
    pooled.insert(pooled.end(), files.back().begin(), files.back().end());
  }
  const std::size_t all_windows = static_cast<std::size_t>(next_id);
  for (const double threshold : {0.05, 0.3, 0.5, 0.9, 1.1}) {
    double sum = 0;
    for (std::size_t f = 0; f < files.size(); ++f) {
      sum += scoreAtThreshold(files[f], file_windows[f], kStandard, threshold);
    }
    EXPECT_NEAR(sum, scoreAtThreshold(pooled, all_windows, kStandard, threshold), 1e-9)
        << threshold;
  }
  // And the sweep's best is the best of those sums.
  const SweepResult best = optimizeThreshold(pooled, all_windows, kStandard);
  double sum = 0;
  for (std::size_t f = 0; f < files.size(); ++f) {
    sum += scoreAtThreshold(files[f], file_windows[f], kStandard, best.threshold);
  }
  EXPECT_NEAR(sum, best.raw, 1e-9);
}

// NAB's published scores on this subset: the scorer must reproduce them to two decimals.
class NabReference : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(nabDir() / "labels")) {
      KEELSON_MISSING_PREREQUISITE("NAB data not found at " << nabDir().string());
    }
  }
  static void expectScores(const std::string& detector, double standard, double low_fp,
                           double low_fn) {
    const NabCorpus corpus = loadNabCorpus(nabDir());
    ASSERT_EQ(corpus.files.size(), 41u);
    ASSERT_EQ(corpus.windowCount(), 64u);
    const auto scores =
        readDetectorResults(corpus, nabDir() / "reference_results" / detector, detector);
    const double expected[] = {standard, low_fp, low_fn};
    ASSERT_EQ(corpus.profiles.size(), 3u);
    for (std::size_t p = 0; p < 3; ++p) {
      const SweepResult r = scoreCorpus(corpus, scores, corpus.profiles[p]);
      EXPECT_NEAR(std::round(r.normalized * 100) / 100, expected[p], 1e-9)
          << detector << " " << corpus.profiles[p].name << " scored " << r.normalized;
    }
  }
};

TEST_F(NabReference, NumentaHtm) { expectScores("numenta", 75.52, 70.68, 78.99); }

TEST_F(NabReference, WindowedGaussian) { expectScores("windowedGaussian", 41.42, 26.48, 48.45); }

TEST_F(NabReference, ProfilesMatchNabDefaults) {
  const NabCorpus corpus = loadNabCorpus(nabDir());
  const auto defaults = defaultProfiles();
  ASSERT_EQ(corpus.profiles.size(), defaults.size());
  for (std::size_t i = 0; i < defaults.size(); ++i) {
    EXPECT_EQ(corpus.profiles[i].name, defaults[i].name);
    EXPECT_DOUBLE_EQ(corpus.profiles[i].fp_weight, defaults[i].fp_weight);
    EXPECT_DOUBLE_EQ(corpus.profiles[i].fn_weight, defaults[i].fn_weight);
  }
}

TEST(NabLoader, MissingFolderIsNotFound) {
  try {
    loadNabCorpus("/nonexistent/nab");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  }
}

}  // namespace
}  // namespace keelson::detect::nab
