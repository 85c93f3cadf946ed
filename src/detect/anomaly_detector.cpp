// The streaming anomaly detector: spatial novelty, daily-profile surprise and sequence novelty,
// anomaly likelihood, refractory period. See anomaly_detector.h for the contract.
#include "detect/anomaly_detector.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "core/error.h"

namespace keelson::detect {
namespace {

static_assert(std::endian::native == std::endian::little,
              "saveState writes the host's byte order, which must be little-endian");

constexpr char kMagic[4] = {'K', 'A', 'D', 'S'};
constexpr std::uint32_t kVersion = 2;
constexpr std::int64_t kMsPerDayBin =
    86'400'000 / static_cast<std::int64_t>(AnomalyDetector::kDayBins);
constexpr std::uint32_t kSeenBits = AnomalyDetector::kSeenWords * 64;
/// A generation of the sequence memory is retired once a quarter of its bits are set: the memory
/// forgets an n-gram after 1024 to 2048 newer ones, and an unseen n-gram hits a set bit by
/// chance with probability under ~0.45 at worst (both generations full), typically far less since
/// a series repeats the same few hundred n-grams.
constexpr std::uint32_t kGenerationCapacity = kSeenBits / 4;
/// A value more than this many ranges beyond the range seen so far is far out: it scores 1 but is
/// learnt only once kFarConfirm such values have come in a row (a glitch of 1e200 in a series
/// around 50 would otherwise widen the range, the quantization step and one hour's profile by
/// 1e200 and blind the detector to that series for years; a genuine change of scale is learnt
/// after kFarConfirm samples).
constexpr double kFarRanges = 100;
constexpr std::uint32_t kFarConfirm = 3;
/// log(1e-10): a tail probability of 1e-10 (or less) scores 1, as in NAB's HTM detector.
const double kLogFloor = std::log(1e-10);
/// log(0.5): a short-term mean at or below its long-term mean scores 0.
const double kLogHalf = std::log(0.5);

constexpr double kMaxDouble = std::numeric_limits<double>::max();

/// a - b, saturated to +-DBL_MAX: the difference of two finite values of opposite signs near
/// +-DBL_MAX overflows, and an infinity in the state would turn into NaN later.
double saturatedDifference(double a, double b) {
  return std::clamp(a - b, -kMaxDouble, kMaxDouble);
}

/// Bounded surprise: 0 for no distance, 1/2 for a distance as large as usual, towards 1 beyond.
/// Both arguments are finite and >= 0; their sum may overflow, so it is then taken at half scale
/// (exact: halving a normal double is).
double bounded(double distance, double scale) {
  if (!(distance > 0)) return 0.0;
  const double sum = distance + scale;
  if (sum <= kMaxDouble) return distance / sum;
  return (0.5 * distance) / (0.5 * distance + 0.5 * scale);
}

/// Updates a feature's short-term mean (rate a_short) and long-term mean and variance (rate
/// a_long), and returns how improbable the short-term mean is under the long-term Gaussian: 0 at
/// or below the mean, 1 at a one-sided tail probability of 1e-10, log-linear in between (the
/// anomaly likelihood of Ahmad et al. 2017, reported on NAB's log scale).
double tailScore(AnomalyDetector::Tail& t, double raw, double a_long, double a_short,
                 bool scoring) {
  t.recent += a_short * (raw - t.recent);
  double score = 0.0;
  if (scoring) {
    // Deliberately conservative: the short-term mean is measured in units of the raw surprise's
    // standard deviation, not of its own (smaller) one, so only sustained or large surprises
    // reach the tail and the score does not saturate at 1 (which spatial novelty owns).
    const double sigma = std::sqrt(std::max(t.var, 1e-6));
    const double z = (t.recent - t.mean) / sigma;
    const double tail = 0.5 * std::erfc(z * M_SQRT1_2);
    score = std::clamp((std::log(tail + 1e-10) - kLogHalf) / (kLogFloor - kLogHalf), 0.0, 1.0);
  }
  const double delta = raw - t.mean;
  t.mean += a_long * delta;
  t.var = (1 - a_long) * (t.var + a_long * delta * delta);
  return score;
}

std::uint64_t mix(std::uint64_t h) {
  h ^= h >> 31;
  h *= 0x94D049BB133111EBull;
  h ^= h >> 29;
  return h;
}

/// Calls f(field) for every persisted field, in blob order (one list for save and load).
template <typename Options, typename State, typename F>
void forEachField(Options& o, State& s, F&& f) {
  f(o.monotonic_counter);
  f(o.warmup);
  f(o.refractory);
  f(o.long_horizon);
  f(o.short_horizon);
  f(o.realarm_factor);
  f(o.spatial_tolerance);
  f(o.day_horizon);
  f(o.levels);
  f(s.samples);
  f(s.last_input);
  f(s.has_last_input);
  f(s.min_seen);
  f(s.max_seen);
  f(s.day_mean);
  f(s.day_dev);
  f(s.day_count);
  for (auto& t : s.tails) {
    f(t.mean);
    f(t.var);
    f(t.recent);
  }
  f(s.resolution);
  f(s.resolution_range);
  f(s.recent_levels);
  f(s.generation);
  f(s.generation_fill);
  f(s.seen);
  f(s.peak);
  f(s.since_peak);
  f(s.far_run);
}

std::size_t computeStateBytes() {
  DetectorOptions o;
  AnomalyDetector::State s;
  std::size_t n = sizeof(kMagic) + sizeof(kVersion);
  forEachField(o, s, [&n](const auto& field) { n += sizeof(field); });
  return n;
}

bool finite(double v) { return std::isfinite(v); }
template <std::size_t N>
bool finite(const double (&a)[N]) {
  return std::all_of(std::begin(a), std::end(a), [](double v) { return std::isfinite(v); });
}

}  // namespace

const std::size_t AnomalyDetector::kStateBytes = computeStateBytes();

AnomalyDetector::AnomalyDetector(DetectorOptions options) : options_(options) {}

double AnomalyDetector::score(std::int64_t timestamp_ms, double x) {
  State& s = state_;
  const double n = static_cast<double>(s.samples);
  const double a_long = 1.0 / std::min(n, options_.long_horizon);
  const double a_short = 1.0 / options_.short_horizon;
  const bool scoring = s.samples > options_.warmup;
  // Every quantity derived from values is a difference, a mean or a ratio of them, so the detector
  // is scale-invariant (a series times 2^k scores exactly as the series); differences saturate at
  // DBL_MAX so that no finite input makes the state infinite.
  const double range = saturatedDifference(s.max_seen, s.min_seen);

  // Spatial novelty: beyond the range seen so far by more than a tolerance.
  double out = 0.0;
  if (scoring && options_.spatial_tolerance > 0 && range > 0) {
    const double tolerance = range * options_.spatial_tolerance;
    if (x > s.max_seen + tolerance || x < s.min_seen - tolerance) out = 1.0;
  }

  // Daily profile: distance from this hour of day's mean in units of its mean absolute
  // deviation (plus a tiny fraction of the value and the range, relative so that it scales with
  // the series; bounded() returns 0 for no distance, so a flat hour never divides 0 by 0).
  const auto bin = static_cast<std::size_t>(
      ((timestamp_ms / kMsPerDayBin) % static_cast<std::int64_t>(kDayBins) +
       static_cast<std::int64_t>(kDayBins)) %
      static_cast<std::int64_t>(kDayBins));
  double day_surprise = 0.0;
  if (s.day_count[bin] > 0) {
    const double floor = 1e-9 * std::min(std::fabs(x) + range, kMaxDouble);
    day_surprise = bounded(std::fabs(saturatedDifference(x, s.day_mean[bin])),
                           std::min(s.day_dev[bin] + floor, kMaxDouble));
  }
  s.day_count[bin] = std::min<std::uint32_t>(s.day_count[bin] + 1, 1u << 30);
  const double a_day = 1.0 / std::min<double>(s.day_count[bin], options_.day_horizon);
  const double dd = saturatedDifference(x, s.day_mean[bin]);
  // std::lerp is a convex combination when the ends differ in sign (no overflow) and exactly
  // mean + a * (x - mean) otherwise.
  s.day_mean[bin] = std::lerp(s.day_mean[bin], x, a_day);
  s.day_dev[bin] = std::lerp(s.day_dev[bin], std::fabs(dd), a_day);
  double likelihood = tailScore(s.tails[0], day_surprise, a_long, a_short, scoring);

  // Sequence novelty: the quantized value alone and in the context of the 1..kOrder previous
  // ones, looked up in (and added to) two generations of a bit set; the fraction not seen
  // before is the surprise. The step is fixed from the range seen during the warm-up and
  // re-derived (forgetting the n-grams) when the range has more than doubled since.
  if (s.resolution == 0 && s.samples >= options_.warmup / 2 && range > 0) {
    s.resolution = range / options_.levels;
    s.resolution_range = range;
  } else if (s.resolution > 0 && range > 2 * s.resolution_range) {
    s.resolution = range / options_.levels;
    s.resolution_range = range;
    std::memset(s.seen, 0, sizeof(s.seen));
    s.generation_fill = 0;
  }
  double novelty = 0.0;
  if (s.resolution > 0) {
    const double scaled = std::clamp(x / s.resolution, -1e9, 1e9);
    const auto level = static_cast<std::int32_t>(std::floor(scaled));
    // The neighbouring level on the side x is closer to also counts as seen, so that a value
    // sitting on a level boundary (a repeated pattern plus rounding) is not novel each time.
    const std::int32_t near = scaled - std::floor(scaled) < 0.5 ? level - 1 : level + 1;
    std::uint64_t hash = 0x9E3779B97F4A7C15ull ^ static_cast<std::uint32_t>(level);
    std::uint64_t near_hash = 0x9E3779B97F4A7C15ull ^ static_cast<std::uint32_t>(near);
    std::uint32_t unseen = 0;
    const auto seen = [&s](std::uint32_t bit) {
      return ((s.seen[0][bit / 64] | s.seen[1][bit / 64]) & (1ull << (bit % 64))) != 0;
    };
    for (std::size_t order = 0; order <= kOrder; ++order) {
      if (order > 0) {
        const auto context = static_cast<std::uint32_t>(s.recent_levels[order - 1]);
        hash = (hash ^ context) * 0xBF58476D1CE4E5B9ull;
        near_hash = (near_hash ^ context) * 0xBF58476D1CE4E5B9ull;
      }
      const auto bit = static_cast<std::uint32_t>(mix(hash + order) % kSeenBits);
      const auto near_bit = static_cast<std::uint32_t>(mix(near_hash + order) % kSeenBits);
      if (!seen(bit) && !seen(near_bit)) ++unseen;
      const std::uint64_t mask = 1ull << (bit % 64);
      std::uint64_t& word = s.seen[s.generation][bit / 64];
      if ((word & mask) == 0) {
        word |= mask;
        if (++s.generation_fill >= kGenerationCapacity) {
          s.generation ^= 1u;
          std::memset(s.seen[s.generation], 0, sizeof(s.seen[0]));
          s.generation_fill = 0;
        }
      }
    }
    novelty = static_cast<double>(unseen) / (kOrder + 1);
    for (std::size_t k = kOrder - 1; k > 0; --k) s.recent_levels[k] = s.recent_levels[k - 1];
    s.recent_levels[0] = level;
  }
  likelihood = std::max(likelihood, tailScore(s.tails[1], novelty, a_long, a_short, scoring));
  return std::max(out, likelihood);
}

// Maps a raw score to the calibrated scale: [0, kRawAlarmScore] onto [0, kAlarmScore] and
// [kRawAlarmScore, 1] onto [kAlarmScore, 1], linearly. Strictly increasing, so it changes no
// ranking (and no NAB score), only where the alarm threshold sits.
double AnomalyDetector::calibrate(double raw) {
  constexpr double kRaw = kRawAlarmScore;
  constexpr double kCal = kAlarmScore;
  if (raw <= kRaw) return raw / kRaw * kCal;
  return kCal + (raw - kRaw) / (1.0 - kRaw) * (1.0 - kCal);
}

bool AnomalyDetector::farOut(double x) const {
  const State& s = state_;
  if (s.samples <= options_.warmup || options_.spatial_tolerance <= 0) return false;
  const double range = saturatedDifference(s.max_seen, s.min_seen);
  if (!(range > 0)) return false;
  // The bounds may overflow to +-inf, which no finite x passes.
  const double reach = kFarRanges * range;
  return x > s.max_seen + reach || x < s.min_seen - reach;
}

double AnomalyDetector::update(std::int64_t timestamp_ms, double value) {
  if (!std::isfinite(value)) return 0.0;
  State& s = state_;
  double x = value;
  if (options_.monotonic_counter) {
    if (!s.has_last_input) {
      s.last_input = value;
      s.has_last_input = true;
      return 0.0;
    }
    // A drop is a reset.
    x = value >= s.last_input ? saturatedDifference(value, s.last_input) : value;
  }
  double out = 0.0;
  const bool far = farOut(x);
  if (far && ++s.far_run < kFarConfirm) {
    // A far-out value is certainly an anomaly (spatial novelty), but it is not learnt (nor, for
    // a counter, taken as the new base) until it repeats. One incident, one alarm: only the
    // first of a run scores.
    out = s.far_run == 1 ? 1.0 : 0.0;
  } else {
    // The value that confirms a far-out run is learnt, but its incident was already reported.
    const bool confirms_run = far;
    s.far_run = 0;
    if (options_.monotonic_counter) s.last_input = value;
    ++s.samples;
    if (s.samples == 1) {
      s.min_seen = s.max_seen = x;
    } else {
      out = score(timestamp_ms, x);
      if (!(out >= 0.0) || confirms_run) out = 0.0;  // NaN: degenerate statistics, no evidence
      out = std::min(out, 1.0);
    }
    s.min_seen = std::min(s.min_seen, x);
    s.max_seen = std::max(s.max_seen, x);
  }

  // Refractory period: within it, only a score at least realarm_factor times the last alarm's
  // (or a certain one) is emitted; the rest of an incident's scores are 0.
  if (s.since_peak < options_.refractory) {
    ++s.since_peak;
    if (out < std::min(1.0, s.peak * options_.realarm_factor)) {
      out = 0.0;
    } else {
      s.peak = out;
      s.since_peak = 0;
    }
  } else {
    s.peak = out;
    s.since_peak = 0;
  }
  return calibrate(out);
}

std::string AnomalyDetector::saveState() const {
  std::string out;
  out.reserve(kStateBytes);
  out.append(kMagic, sizeof(kMagic));
  out.append(reinterpret_cast<const char*>(&kVersion), sizeof(kVersion));
  forEachField(options_, state_, [&out](const auto& field) {
    out.append(reinterpret_cast<const char*>(&field), sizeof(field));
  });
  return out;
}

AnomalyDetector AnomalyDetector::loadState(std::string_view bytes) {
  if (bytes.size() != kStateBytes || std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0) {
    throw Error(ErrorCode::kBadInput,
                fmt::format("anomaly detector state: not a keelson detector state ({} bytes, "
                            "expected {} starting with KADS)",
                            bytes.size(), kStateBytes));
  }
  std::uint32_t version = 0;
  std::memcpy(&version, bytes.data() + sizeof(kMagic), sizeof(version));
  if (version != kVersion) {
    throw Error(
        ErrorCode::kBadInput,
        fmt::format("anomaly detector state: version {} (this build reads {})", version, kVersion));
  }
  DetectorOptions o;
  State s;
  std::size_t pos = sizeof(kMagic) + sizeof(kVersion);
  bool bools_ok = true;
  forEachField(o, s, [&](auto& field) {
    using T = std::remove_reference_t<decltype(field)>;
    if constexpr (std::is_same_v<T, bool>) {
      const auto byte = static_cast<unsigned char>(bytes[pos]);
      bools_ok = bools_ok && byte <= 1;
      field = byte == 1;
    } else {
      std::memcpy(&field, bytes.data() + pos, sizeof(field));
    }
    pos += sizeof(field);
  });
  const bool ok =
      bools_ok && o.long_horizon >= 1 && o.long_horizon <= 1e12 && o.short_horizon >= 1 &&
      o.short_horizon <= 1e12 && o.realarm_factor >= 0 && o.realarm_factor <= 1e12 &&
      o.spatial_tolerance >= 0 && o.spatial_tolerance <= 1e12 && o.day_horizon >= 1 &&
      o.day_horizon <= 1e12 && o.levels >= 1 && o.levels <= 1e9 && finite(s.last_input) &&
      finite(s.min_seen) && finite(s.max_seen) && s.min_seen <= s.max_seen && finite(s.day_mean) &&
      finite(s.day_dev) &&
      std::all_of(std::begin(s.tails), std::end(s.tails),
                  [](const Tail& t) {
                    return finite(t.mean) && finite(t.var) && t.var >= 0 && finite(t.recent);
                  }) &&
      finite(s.resolution) && s.resolution >= 0 && finite(s.resolution_range) &&
      s.generation <= 1 && s.generation_fill <= kSeenBits && finite(s.peak) &&
      s.far_run < kFarConfirm;
  if (!ok) throw Error(ErrorCode::kBadInput, "anomaly detector state: fields out of range");
  AnomalyDetector detector(o);
  detector.state_ = s;
  return detector;
}

}  // namespace keelson::detect
