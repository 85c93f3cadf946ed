#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "detect/series_csv.h"

/// The Numenta Anomaly Benchmark's scoring rules (NAB v1.1, Lavin & Ahmad 2015, "Evaluating
/// Real-time Anomaly Detection Algorithms"): labelled windows, a probationary period, a scaled
/// sigmoid that rewards early detection, one threshold swept over the whole corpus and a
/// normalisation between the null and the perfect detector. Everything here is pure except
/// loadNabCorpus and readNabResults.
namespace keelson::detect::nab {

/// A scoring profile: the weights of a true positive, a false positive and a false negative.
struct CostProfile {
  std::string name;  ///< "standard", "reward_low_FP_rate", "reward_low_FN_rate".
  double tp_weight = 1.0;
  double fp_weight = 0.11;
  double fn_weight = 1.0;
};

/// NAB's three published profiles (the values of NAB's config/profiles.json).
std::vector<CostProfile> defaultProfiles();

/// An anomaly window as row indices into its file, both inclusive.
struct WindowRows {
  std::size_t first = 0;
  std::size_t last = 0;
};

/// Rows at the start of a file of `rows` rows that are never scored: min(floor(0.15 N), 750).
std::size_t probationRows(std::size_t rows);

/// NAB's scaled sigmoid: -1 for x > 3, else 2 / (1 + e^(5x)) - 1.
double scaledSigmoid(double x);

/// One scorable row: its anomaly score, what detecting it is worth (positive inside a window,
/// negative outside) and the corpus-wide id of its window (kNoWindow outside windows).
struct SweepPoint {
  static constexpr std::int64_t kNoWindow = -1;
  double anomaly_score = 0;
  double sweep_score = 0;
  std::int64_t window = kNoWindow;
};

/// The scorable rows of one file (probationary rows are left out). `windows` must be sorted and
/// disjoint; window k of this file gets the id `first_window_id + k`.
std::vector<SweepPoint> sweepFile(std::span<const double> scores,
                                  std::span<const WindowRows> windows, const CostProfile& profile,
                                  std::int64_t first_window_id);

/// The raw NAB score when every row with anomaly_score >= threshold is a detection: the best
/// detection per window counts (tp), every window without one costs fn_weight, every detection
/// outside windows adds its (negative) sweep score.
double scoreAtThreshold(std::span<const SweepPoint> points, std::size_t windows,
                        const CostProfile& profile, double threshold);

/// The outcome of the threshold sweep over a corpus.
struct SweepResult {
  double threshold = 1.1;   ///< The best threshold (detections are scores >= threshold).
  double raw = 0;           ///< Raw score at that threshold.
  double normalized = 0;    ///< 100 (raw - null) / (perfect - null).
  std::size_t windows = 0;  ///< Windows in the corpus.
};

/// Tries every distinct anomaly score as the threshold (from the highest down) and returns the
/// best; `windows` is the number of windows the points refer to. O(n log n).
SweepResult optimizeThreshold(std::vector<SweepPoint> points, std::size_t windows,
                              const CostProfile& profile);

/// One labelled series of a NAB corpus.
struct NabFile {
  std::string name;             ///< "realTraffic/speed_6005.csv" (relative to data/).
  std::vector<SeriesRow> rows;  ///< The series, in file order.
  std::vector<WindowRows> windows;
};

/// A NAB folder loaded in memory: data/, labels/combined_windows.json, config/profiles.json.
struct NabCorpus {
  std::filesystem::path root;
  std::vector<NabFile> files;  ///< Sorted by name.
  std::vector<CostProfile> profiles;
  std::size_t windowCount() const;
};

/// Loads the NAB folder `root` (the layout of NAB's repository: data/<category>/<file>.csv,
/// labels/combined_windows.json, config/profiles.json). Files listed in the labels but absent
/// under data/ are skipped. Throws Error(kBadInput) on malformed files or windows that do not fall
/// on rows, Error(kNotFound) when the labels or profiles are missing.
NabCorpus loadNabCorpus(const std::filesystem::path& root);

/// Reads the anomaly_score column (the third) of a NAB results CSV
/// (`timestamp,value,anomaly_score[,...]`). Throws Error(kNotFound/kBadInput).
std::vector<double> readNabResults(const std::filesystem::path& file);

/// Scores one detector's per-file anomaly scores (`scores[i]` belongs to `corpus.files[i]`) under
/// `profile`.
SweepResult scoreCorpus(const NabCorpus& corpus, std::span<const std::vector<double>> scores,
                        const CostProfile& profile);

/// The scores of a detector whose results lie in NAB layout under `results_dir`
/// (`<category>/<detector>_<file>.csv`), in corpus.files order.
std::vector<std::vector<double>> readDetectorResults(const NabCorpus& corpus,
                                                     const std::filesystem::path& results_dir,
                                                     const std::string& detector);

}  // namespace keelson::detect::nab
