#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace keelson::detect {

/// Tuning of AnomalyDetector. The defaults are the one parameter set used for every series (and
/// the one bench/nab scores on NAB); change them only for a reason that holds for a whole class
/// of signals. Only `warmup` is chosen by leave-one-category-out cross-validation on NAB
/// (`bench_nab --cross-validate`, docs/anomaly-detector.md); tuning any other option there lowered
/// the held-out score, so they keep their earlier values.
struct DetectorOptions {
  /// Treat the series as a monotonic counter (restarts, bytes sent): detect on its increments;
  /// a drop is read as a counter reset and the new value as the increment since the reset.
  bool monotonic_counter = false;
  /// Samples seen before any score other than 0 is emitted (the detector's own learning period).
  /// 250 was picked in every cross-validation fold from {100, 150, 250}.
  std::uint32_t warmup = 250;
  /// Samples after an alarm during which a new alarm needs twice (realarm_factor) the score
  /// (one alarm per incident).
  std::uint32_t refractory = 200;
  /// Time constant (samples) of the long-term statistics of each surprise feature.
  double long_horizon = 2000;
  /// Time constant (samples) of the short-term average of each surprise feature.
  double short_horizon = 10;
  /// Within the refractory period a score is emitted only when at least this many times the
  /// last alarm's (else it is 0).
  double realarm_factor = 2.0;
  /// A value beyond the range seen so far by more than this fraction of the range is a spatial
  /// anomaly and scores 1; 0 disables.
  double spatial_tolerance = 0.05;
  /// Memory (samples per hour-of-day bin) of the daily profile.
  double day_horizon = 100;
  /// Quantization levels over the range seen during the warm-up (the sequence memory's
  /// resolution).
  double levels = 64;
};

/// A streaming anomaly detector for one series. Online: each update() sees one value, in order,
/// and knows nothing of the future, the series' range or its length; the score of a sample
/// never changes once returned. The whole state is a fixed-size value of about 1.7 KiB, cheap to
/// copy and to persist with saveState(). Not thread-safe: one instance per series, used by one
/// thread at a time.
///
/// Design (anomaly_detector.cpp has the details): three signals per sample
///  - spatial novelty: the value leaves the range seen so far by more than 5% of it (the
///    "spatial anomaly" of Numenta's NAB detector, with the range learnt online);
///  - daily-profile surprise: distance from this hour of day's running mean in units of its
///    running mean absolute deviation (timestamps are UTC);
///  - sequence novelty: the quantized value and its contexts of 1..3 previous values, looked up in
///    a two-generation bit set of n-grams seen before (an HTM/CAD-OSE-style "was this
///    predicted?" signal at a fraction of the cost);
/// the last two are turned into calibrated tail probabilities by an anomaly likelihood (Ahmad et
/// al. 2017: the short-term mean of a surprise against its long-term distribution), and alarms
/// are thinned by a refractory period.
class AnomalyDetector {
 public:
  explicit AnomalyDetector(DetectorOptions options = {});

  /// Feeds the next sample (unix milliseconds, value); returns its anomaly score in [0, 1],
  /// calibrated so that kAlarmScore (0.7, `monitor`'s default --alert-threshold) is the alarm
  /// point: 1 for a value outside the range seen so far, else a log-scaled tail probability of
  /// the surprise mapped piecewise-linearly (and strictly increasing) so that the raw alarm level
  /// kRawAlarmScore lands on kAlarmScore. Every finite value is accepted, from denormals to
  /// +-DBL_MAX: the detector is scale-invariant (a series multiplied by a power of two scores
  /// exactly the same), a value of any size beyond the range seen so far scores 1, and no finite
  /// input makes a score NaN or the state non-finite. A value more than 100 ranges beyond the
  /// range seen (a glitch such as 1e200 in a series around 50) scores 1 and is learnt only when
  /// it is the third such value in a row, so one glitch does not blind the detector. A
  /// non-finite value (NaN, +-inf) scores 0 and leaves the state unchanged.
  double update(std::int64_t timestamp_ms, double value);

  /// Serialized state: a versioned little-endian binary blob of kStateBytes bytes.
  std::string saveState() const;

  /// Restores a detector from saveState(). Throws keelson::Error(kBadInput) on a malformed or
  /// foreign blob (wrong magic, version or size, fields out of range).
  static AnomalyDetector loadState(std::string_view bytes);

  /// The calibrated score (see update()) for a raw score in [0, 1].
  static double calibrate(double raw);

  /// The options this detector runs with.
  const DetectorOptions& options() const { return options_; }

  /// Samples learnt so far: finite ones, not counting far-out values held back (see update()).
  std::uint64_t samples() const { return state_.samples; }

  /// The raw score (log-scaled tail probability) from which a sample is an alarm. It changes no
  /// NAB score (calibrate() is strictly increasing and NAB sweeps the threshold), only where
  /// `monitor` alarms. NAB's standard profile (a false positive costs 0.11 of a detection) would
  /// put it lower: its training-best threshold is 0.0617 in 3 of the 5 cross-validation folds
  /// and lower in the others (docs/anomaly-detector.md); 0.065 is kept because 0.0617 raises the
  /// false alarms on a noisy daily sine by 40% (0.67 to 0.95 per 1,900 samples).
  static constexpr double kRawAlarmScore = 0.065;
  /// The calibrated score update() returns for kRawAlarmScore: scores at or above it are alarms.
  static constexpr double kAlarmScore = 0.7;

  /// Surprise features turned into tail probabilities (daily profile, sequence novelty).
  static constexpr std::size_t kFeatures = 2;
  /// Time-of-day bins (hours, UTC) of the daily profile.
  static constexpr std::size_t kDayBins = 24;
  /// Longest context (previous quantized values) of the sequence memory.
  static constexpr std::size_t kOrder = 3;
  /// 64-bit words in each of the two generations of the sequence memory.
  static constexpr std::size_t kSeenWords = 64;

  /// Long- and short-term statistics of one surprise feature (its anomaly likelihood).
  struct Tail {
    double mean = 0;    ///< Long-term mean.
    double var = 0;     ///< Long-term variance.
    double recent = 0;  ///< Short-term mean.
  };

  /// The whole mutable state (fixed size; saveState writes it field by field).
  struct State {
    std::uint64_t samples = 0;                ///< Samples learnt (see samples()).
    double last_input = 0;                    ///< Previous input (monotonic counters).
    bool has_last_input = false;              ///< Whether last_input is set.
    double min_seen = 0;                      ///< Smallest value fed to the model.
    double max_seen = 0;                      ///< Largest value fed to the model.
    double day_mean[kDayBins] = {};           ///< Mean value per hour of day.
    double day_dev[kDayBins] = {};            ///< Mean absolute deviation per hour of day.
    std::uint32_t day_count[kDayBins] = {};   ///< Samples seen per hour of day (saturating).
    Tail tails[kFeatures] = {};               ///< One per surprise feature.
    double resolution = 0;                    ///< Quantization step (0: not set yet).
    double resolution_range = 0;              ///< The range the step was derived from.
    std::int32_t recent_levels[kOrder] = {};  ///< Last quantized values, newest first.
    std::uint32_t generation = 0;             ///< Current generation of the sequence memory.
    std::uint32_t generation_fill = 0;        ///< Bits set in the current generation.
    std::uint64_t seen[2][kSeenWords] = {};   ///< Two generations of seen n-grams (bit sets).
    double peak = 0;                          ///< Score of the last alarm.
    std::uint32_t since_peak = 0;             ///< Samples since that alarm.
    std::uint32_t far_run = 0;                ///< Far-out values in a row, not learnt yet.
  };

  /// Bytes of saveState()'s blob: the per-series cost of persisting a detector.
  static const std::size_t kStateBytes;

 private:
  double score(std::int64_t timestamp_ms, double x);
  bool farOut(double x) const;

  DetectorOptions options_;
  State state_;
};

}  // namespace keelson::detect
