// NAB scoring: sweep scores per row, the corpus-wide threshold sweep and the loader of a NAB
// folder.
#include "detect/nab_scorer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unordered_map>

#include "core/error.h"

namespace keelson::detect::nab {
namespace {

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw Error(ErrorCode::kNotFound, fmt::format("{}: cannot open", path.string()));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

nlohmann::json readJson(const std::filesystem::path& path) {
  const std::string text = readFile(path);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::kBadInput, fmt::format("{}: not JSON: {}", path.string(), e.what()));
  }
}

/// Adds the best-detection-per-window bookkeeping for one detected point.
struct Tally {
  explicit Tally(std::size_t windows, const CostProfile& profile)
      : fn(-static_cast<double>(windows) * profile.fn_weight), fn_weight(profile.fn_weight) {}

  void add(const SweepPoint& p) {
    if (p.window == SweepPoint::kNoWindow) {
      fp += p.sweep_score;
      return;
    }
    auto [it, inserted] = best.try_emplace(p.window, p.sweep_score);
    if (inserted) {
      tp += p.sweep_score;
      fn += fn_weight;
    } else if (p.sweep_score > it->second) {
      tp += p.sweep_score - it->second;
      it->second = p.sweep_score;
    }
  }
  double total() const { return tp + fp + fn; }

  double tp = 0;
  double fp = 0;
  double fn;
  double fn_weight;
  std::unordered_map<std::int64_t, double> best;
};

}  // namespace

std::vector<CostProfile> defaultProfiles() {
  return {CostProfile{"standard", 1.0, 0.11, 1.0},
          CostProfile{"reward_low_FP_rate", 1.0, 0.22, 1.0},
          CostProfile{"reward_low_FN_rate", 1.0, 0.11, 2.0}};
}

std::size_t probationRows(std::size_t rows) {
  return std::min<std::size_t>(
      static_cast<std::size_t>(std::floor(0.15 * static_cast<double>(rows))), 750);
}

double scaledSigmoid(double x) {
  if (x > 3.0) return -1.0;
  return 2.0 / (1.0 + std::exp(5.0 * x)) - 1.0;
}

std::vector<SweepPoint> sweepFile(std::span<const double> scores,
                                  std::span<const WindowRows> windows, const CostProfile& profile,
                                  std::int64_t first_window_id) {
  std::vector<SweepPoint> points;
  const std::size_t probation = probationRows(scores.size());
  points.reserve(scores.size() - std::min(probation, scores.size()));
  const double max_tp = scaledSigmoid(-1.0);
  std::size_t next_window = 0;
  const WindowRows* current = nullptr;
  std::int64_t current_id = SweepPoint::kNoWindow;
  bool have_previous = false;
  double previous_last = 0;
  double previous_width = 0;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    if (current == nullptr && next_window < windows.size() && windows[next_window].first == i) {
      current = &windows[next_window];
      current_id = first_window_id + static_cast<std::int64_t>(next_window);
      ++next_window;
    }
    SweepPoint p;
    p.anomaly_score = scores[i];
    if (current != nullptr) {
      const double width = static_cast<double>(current->last - current->first + 1);
      const double position = -static_cast<double>(current->last - i + 1) / width;
      p.sweep_score = scaledSigmoid(position) * profile.tp_weight / max_tp;
      p.window = current_id;
    } else {
      // A detection after a window costs less the closer it follows the window (NAB divides by
      // the previous width minus one).
      const double unweighted =
          have_previous ? scaledSigmoid(std::fabs(previous_last - static_cast<double>(i)) /
                                        (previous_width - 1))
                        : -1.0;
      p.sweep_score = unweighted * profile.fp_weight;
    }
    if (i >= probation) points.push_back(p);
    if (current != nullptr && current->last == i) {
      have_previous = true;
      previous_last = static_cast<double>(i);
      previous_width = static_cast<double>(current->last - current->first + 1);
      current = nullptr;
    }
  }
  return points;
}

double scoreAtThreshold(std::span<const SweepPoint> points, std::size_t windows,
                        const CostProfile& profile, double threshold) {
  Tally tally(windows, profile);
  for (const SweepPoint& p : points) {
    if (p.anomaly_score >= threshold) tally.add(p);
  }
  return tally.total();
}

SweepResult optimizeThreshold(std::vector<SweepPoint> points, std::size_t windows,
                              const CostProfile& profile) {
  std::stable_sort(points.begin(), points.end(), [](const SweepPoint& a, const SweepPoint& b) {
    return a.anomaly_score > b.anomaly_score;
  });
  Tally tally(windows, profile);
  SweepResult result;
  result.windows = windows;
  result.threshold = 1.1;
  result.raw = tally.total();
  for (std::size_t i = 0; i < points.size();) {
    const double threshold = points[i].anomaly_score;
    for (; i < points.size() && points[i].anomaly_score == threshold; ++i) tally.add(points[i]);
    const double total = tally.total();
    if (total > result.raw) {
      result.raw = total;
      result.threshold = threshold;
    }
  }
  const double perfect = static_cast<double>(windows) * profile.tp_weight;
  const double null_score = -static_cast<double>(windows) * profile.fn_weight;
  result.normalized =
      perfect > null_score ? 100.0 * (result.raw - null_score) / (perfect - null_score) : 0.0;
  return result;
}

std::size_t NabCorpus::windowCount() const {
  std::size_t n = 0;
  for (const NabFile& f : files) n += f.windows.size();
  return n;
}

NabCorpus loadNabCorpus(const std::filesystem::path& root) {
  NabCorpus corpus;
  corpus.root = root;
  const nlohmann::json profiles = readJson(root / "config" / "profiles.json");
  for (const char* name : {"standard", "reward_low_FP_rate", "reward_low_FN_rate"}) {
    const auto it = profiles.find(name);
    if (it == profiles.end()) {
      throw Error(ErrorCode::kBadInput,
                  fmt::format("{}: profile \"{}\" missing",
                              (root / "config" / "profiles.json").string(), name));
    }
    try {
      const nlohmann::json& costs = it->at("CostMatrix");
      corpus.profiles.push_back(CostProfile{name, costs.at("tpWeight").get<double>(),
                                            costs.at("fpWeight").get<double>(),
                                            costs.at("fnWeight").get<double>()});
    } catch (const nlohmann::json::exception& e) {
      throw Error(ErrorCode::kBadInput,
                  fmt::format("{}: profile \"{}\": {}",
                              (root / "config" / "profiles.json").string(), name, e.what()));
    }
  }
  const std::filesystem::path labels_path = root / "labels" / "combined_windows.json";
  const nlohmann::json labels = readJson(labels_path);
  if (!labels.is_object()) {
    throw Error(ErrorCode::kBadInput, fmt::format("{}: expected an object", labels_path.string()));
  }
  for (const auto& [name, windows] : labels.items()) {
    const std::filesystem::path data = root / "data" / name;
    if (!std::filesystem::exists(data)) continue;
    NabFile file;
    file.name = name;
    file.rows = parseSeriesCsv(readFile(data), data.string());
    for (const nlohmann::json& window : windows) {
      if (!window.is_array() || window.size() != 2 || !window[0].is_string() ||
          !window[1].is_string()) {
        throw Error(ErrorCode::kBadInput, fmt::format("{}: {}: a window must be [start, end]",
                                                      labels_path.string(), name));
      }
      const auto start = parseTimestampMs(window[0].get<std::string>());
      const auto end = parseTimestampMs(window[1].get<std::string>());
      if (!start || !end) {
        throw Error(ErrorCode::kBadInput,
                    fmt::format("{}: {}: bad window timestamps", labels_path.string(), name));
      }
      const auto first = std::find_if(file.rows.begin(), file.rows.end(),
                                      [&](const SeriesRow& r) { return r.timestamp_ms >= *start; });
      const auto last = std::find_if(file.rows.rbegin(), file.rows.rend(),
                                     [&](const SeriesRow& r) { return r.timestamp_ms <= *end; });
      if (first == file.rows.end() || last == file.rows.rend()) {
        throw Error(ErrorCode::kBadInput,
                    fmt::format("{}: {}: window outside the series", labels_path.string(), name));
      }
      WindowRows rows;
      rows.first = static_cast<std::size_t>(first - file.rows.begin());
      rows.last = file.rows.size() - 1 - static_cast<std::size_t>(last - file.rows.rbegin());
      if (rows.last < rows.first) {
        throw Error(ErrorCode::kBadInput,
                    fmt::format("{}: {}: empty window", labels_path.string(), name));
      }
      file.windows.push_back(rows);
    }
    std::sort(file.windows.begin(), file.windows.end(),
              [](const WindowRows& a, const WindowRows& b) { return a.first < b.first; });
    corpus.files.push_back(std::move(file));
  }
  std::sort(corpus.files.begin(), corpus.files.end(),
            [](const NabFile& a, const NabFile& b) { return a.name < b.name; });
  return corpus;
}

std::vector<double> readNabResults(const std::filesystem::path& file) {
  const std::string text = readFile(file);
  std::vector<double> scores;
  std::size_t pos = 0;
  std::size_t line = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string_view row(text.data() + pos, end - pos);
    pos = end + 1;
    ++line;
    if (line == 1 || row.empty() || row == "\r") continue;
    std::size_t c1 = row.find(',');
    std::size_t c2 = c1 == std::string_view::npos ? c1 : row.find(',', c1 + 1);
    if (c2 == std::string_view::npos) {
      throw Error(ErrorCode::kBadInput, fmt::format("{}:{}: expected timestamp,value,anomaly_score",
                                                    file.string(), line));
    }
    std::string_view field = row.substr(c2 + 1);
    field = field.substr(0, field.find(','));
    if (!field.empty() && field.back() == '\r') field.remove_suffix(1);
    try {
      scores.push_back(std::stod(std::string(field)));
    } catch (const std::exception&) {
      throw Error(ErrorCode::kBadInput, fmt::format("{}:{}: anomaly_score \"{}\" is not a number",
                                                    file.string(), line, field));
    }
  }
  return scores;
}

SweepResult scoreCorpus(const NabCorpus& corpus, std::span<const std::vector<double>> scores,
                        const CostProfile& profile) {
  std::vector<SweepPoint> points;
  std::int64_t next_id = 0;
  std::size_t windows = 0;
  for (std::size_t f = 0; f < corpus.files.size(); ++f) {
    const NabFile& file = corpus.files[f];
    if (f >= scores.size() || scores[f].size() != file.rows.size()) {
      throw Error(ErrorCode::kBadInput,
                  fmt::format("scores for {}: {} rows, the series has {}", file.name,
                              f < scores.size() ? scores[f].size() : 0, file.rows.size()));
    }
    std::vector<SweepPoint> p = sweepFile(scores[f], file.windows, profile, next_id);
    // A window that lies wholly in the probationary period can be neither found nor missed.
    const std::size_t probation = probationRows(file.rows.size());
    for (const WindowRows& w : file.windows) windows += w.last >= probation ? 1 : 0;
    next_id += static_cast<std::int64_t>(file.windows.size());
    points.insert(points.end(), p.begin(), p.end());
  }
  return optimizeThreshold(std::move(points), windows, profile);
}

std::vector<std::vector<double>> readDetectorResults(const NabCorpus& corpus,
                                                     const std::filesystem::path& results_dir,
                                                     const std::string& detector) {
  std::vector<std::vector<double>> out;
  out.reserve(corpus.files.size());
  for (const NabFile& file : corpus.files) {
    const std::filesystem::path rel(file.name);
    out.push_back(readNabResults(results_dir / rel.parent_path() /
                                 (detector + "_" + rel.filename().string())));
  }
  return out;
}

}  // namespace keelson::detect::nab
