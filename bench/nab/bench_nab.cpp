// bench_nab: keelson's streaming anomaly detector on the Numenta Anomaly Benchmark.
// Runs one AnomalyDetector per NAB file (strictly online, one parameter set for all files),
// writes NAB-format results (<out>/<detector>/<category>/<detector>_<file>.csv), scores the three
// profiles with keelson's NAB scorer and prints the scores and the detector's points per second.
// With --reference it scores the published reference results instead. With --cross-validate it
// estimates the score on unseen data: leave one NAB category out, choose the parameters (and the
// alarm threshold) on the other categories over a fixed grid, score the held-out category with
// them (docs/anomaly-detector.md describes the protocol).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
#include "detect/anomaly_detector.h"
#include "detect/nab_scorer.h"

namespace {

using keelson::detect::AnomalyDetector;
using keelson::detect::DetectorOptions;
namespace nab = keelson::detect::nab;

void writeResults(const std::filesystem::path& out, const std::string& detector,
                  const nab::NabCorpus& corpus, const std::vector<std::vector<double>>& scores) {
  for (std::size_t f = 0; f < corpus.files.size(); ++f) {
    const nab::NabFile& file = corpus.files[f];
    const std::filesystem::path rel(file.name);
    const std::filesystem::path dir = out / detector / rel.parent_path();
    std::filesystem::create_directories(dir);
    const std::filesystem::path path = dir / (detector + "_" + rel.filename().string());
    std::ofstream csv(path);
    csv << "timestamp,value,anomaly_score\n";
    for (std::size_t i = 0; i < file.rows.size(); ++i) {
      csv << fmt::format("{},{},{}\n", file.rows[i].timestamp, file.rows[i].value, scores[f][i]);
    }
    if (!csv)
      throw keelson::Error(keelson::ErrorCode::kUnavailable, path.string() + ": write failed");
  }
}

/// Runs one detector per file with `options` and returns each file's scores (corpus order).
std::vector<std::vector<double>> runCorpus(const nab::NabCorpus& corpus,
                                           const DetectorOptions& options) {
  std::vector<std::vector<double>> scores;
  scores.reserve(corpus.files.size());
  for (const nab::NabFile& file : corpus.files) {
    AnomalyDetector detector(options);
    std::vector<double> s;
    s.reserve(file.rows.size());
    for (const auto& row : file.rows) s.push_back(detector.update(row.timestamp_ms, row.value));
    scores.push_back(std::move(s));
  }
  return scores;
}

/// Windows of a file that can be found or missed (not wholly inside the probationary period),
/// counted as nab::scoreCorpus counts them.
std::size_t scorableWindows(const nab::NabFile& file) {
  const std::size_t probation = nab::probationRows(file.rows.size());
  return static_cast<std::size_t>(
      std::count_if(file.windows.begin(), file.windows.end(),
                    [probation](const nab::WindowRows& w) { return w.last >= probation; }));
}

/// NAB's normalisation of a raw score over `windows` windows: 0 for the null detector (every
/// window missed, nothing else detected), 100 for the perfect one.
double normalize(double raw, std::size_t windows, const nab::CostProfile& profile) {
  const double perfect = static_cast<double>(windows) * profile.tp_weight;
  const double null_score = -static_cast<double>(windows) * profile.fn_weight;
  return perfect > null_score ? 100.0 * (raw - null_score) / (perfect - null_score) : 0.0;
}

/// The explicit grid searched in each fold: every combination of these values. By default only
/// the warm-up is searched (the one option whose tuning raised the held-out score, see
/// docs/anomaly-detector.md); --grid-<option> gives a list for another option, and an empty list
/// means the value of the options given (the shipped default unless overridden).
struct Grid {
  std::vector<std::uint32_t> warmup = {100, 150, 250};
  std::vector<std::uint32_t> refractory;
  std::vector<double> long_horizon;
  std::vector<double> short_horizon;
  std::vector<double> spatial_tolerance;
  std::vector<double> levels;

  std::vector<DetectorOptions> all(const DetectorOptions& base) const {
    const auto or_base = [](const auto& list, auto value) {
      return list.empty() ? std::vector<decltype(value)>{value} : list;
    };
    std::vector<DetectorOptions> out;
    for (const auto w : or_base(warmup, base.warmup))
      for (const auto r : or_base(refractory, base.refractory))
        for (const auto lh : or_base(long_horizon, base.long_horizon))
          for (const auto sh : or_base(short_horizon, base.short_horizon))
            for (const auto st : or_base(spatial_tolerance, base.spatial_tolerance))
              for (const auto lv : or_base(levels, base.levels)) {
                DetectorOptions o = base;
                o.warmup = w;
                o.refractory = r;
                o.long_horizon = lh;
                o.short_horizon = sh;
                o.spatial_tolerance = st;
                o.levels = lv;
                out.push_back(o);
              }
    return out;
  }
};

std::string describe(const DetectorOptions& o) {
  return fmt::format(
      "--warmup {} --refractory {} --long-horizon {} --short-horizon {} --spatial-tolerance {} "
      "--levels {}",
      o.warmup, o.refractory, o.long_horizon, o.short_horizon, o.spatial_tolerance, o.levels);
}

/// One grid point's outcome in one fold.
struct FoldTrial {
  double train_score = 0;   ///< Normalised standard score on the training categories.
  double threshold = 1.1;   ///< Best threshold on the training categories.
  std::vector<double> raw;  ///< Held-out files' raw scores at that threshold (file order).
};

/// One grid point's outcome: per fold, and in-sample over the whole corpus.
struct Trial {
  std::vector<FoldTrial> folds;
  double in_sample = 0;
};

/// Evaluates one parameter set: runs the corpus once, then for each fold finds the best
/// threshold on the training categories' points and scores the held-out files at it.
Trial evaluate(const nab::NabCorpus& corpus, const std::vector<std::size_t>& category_of,
               std::size_t categories, const DetectorOptions& options,
               const nab::CostProfile& profile) {
  const auto scores = runCorpus(corpus, options);
  std::vector<std::vector<nab::SweepPoint>> points(corpus.files.size());
  std::int64_t next_id = 0;
  for (std::size_t f = 0; f < corpus.files.size(); ++f) {
    points[f] = nab::sweepFile(scores[f], corpus.files[f].windows, profile, next_id);
    next_id += static_cast<std::int64_t>(corpus.files[f].windows.size());
  }
  Trial trial;
  trial.in_sample = nab::scoreCorpus(corpus, scores, profile).normalized;
  for (std::size_t c = 0; c < categories; ++c) {
    std::vector<nab::SweepPoint> train;
    std::size_t train_windows = 0;
    for (std::size_t f = 0; f < corpus.files.size(); ++f) {
      if (category_of[f] == c) continue;
      train.insert(train.end(), points[f].begin(), points[f].end());
      train_windows += scorableWindows(corpus.files[f]);
    }
    const nab::SweepResult best = nab::optimizeThreshold(std::move(train), train_windows, profile);
    FoldTrial fold;
    fold.train_score = best.normalized;
    fold.threshold = best.threshold;
    for (std::size_t f = 0; f < corpus.files.size(); ++f) {
      if (category_of[f] != c) continue;
      fold.raw.push_back(nab::scoreAtThreshold(points[f], scorableWindows(corpus.files[f]), profile,
                                               best.threshold));
    }
    trial.folds.push_back(std::move(fold));
  }
  return trial;
}

/// Leave-one-category-out cross-validation over Grid (standard profile); prints the held-out
/// score per category and pooled, the parameters chosen per fold, and in-sample scores.
void crossValidate(const nab::NabCorpus& corpus, const Grid& grid_spec,
                   const DetectorOptions& defaults, int threads) {
  const nab::CostProfile profile = corpus.profiles.at(0);  // standard
  std::vector<std::string> category_names;
  std::vector<std::size_t> category_of;
  for (const nab::NabFile& file : corpus.files) {
    const std::string category = file.name.substr(0, file.name.find('/'));
    auto it = std::find(category_names.begin(), category_names.end(), category);
    if (it == category_names.end()) {
      category_names.push_back(category);
      it = category_names.end() - 1;
    }
    category_of.push_back(static_cast<std::size_t>(it - category_names.begin()));
  }
  const std::size_t categories = category_names.size();
  const std::vector<DetectorOptions> grid = grid_spec.all(defaults);
  threads = std::clamp(threads, 1, 2);
  std::vector<Trial> trials(grid.size());
  std::atomic<std::size_t> next{0};
  const auto start = std::chrono::steady_clock::now();
  const auto worker = [&] {
    for (std::size_t i = next++; i < grid.size(); i = next++) {
      trials[i] = evaluate(corpus, category_of, categories, grid[i], profile);
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  fmt::print(
      "cross-validation, standard profile: for each category, pick the grid point (and its "
      "alarm threshold)\nwith the best normalised score on the other categories, then score the "
      "held-out category at that\nthreshold. {} grid points x {} folds in {:.1f} s ({} "
      "thread(s))\n\n",
      grid.size(), categories, seconds, threads);
  double pooled_raw = 0;
  std::size_t pooled_windows = 0;
  std::vector<std::vector<double>> held_out_scores(corpus.files.size());
  for (std::size_t c = 0; c < categories; ++c) {
    std::size_t best = 0;
    for (std::size_t i = 1; i < grid.size(); ++i) {
      if (trials[i].folds[c].train_score > trials[best].folds[c].train_score) best = i;
    }
    const FoldTrial& fold = trials[best].folds[c];
    double raw = 0;
    std::size_t windows = 0;
    std::size_t k = 0;
    for (std::size_t f = 0; f < corpus.files.size(); ++f) {
      if (category_of[f] != c) continue;
      raw += fold.raw[k++];
      windows += scorableWindows(corpus.files[f]);
    }
    pooled_raw += raw;
    pooled_windows += windows;
    // A category without windows (artificialNoAnomaly) has no normalised score: its raw score
    // is the cost of its false positives (0 is perfect).
    const std::string held = windows > 0 ? fmt::format("{:6.2f}", normalize(raw, windows, profile))
                                         : std::string("   n/a");
    fmt::print(
        "held out {:<22} windows {:2}  held-out score {}  (raw {:7.3f})  train {:6.2f}  "
        "threshold {:.6f}\n    picked {}\n",
        category_names[c], windows, held, raw, fold.train_score, fold.threshold,
        describe(grid[best]));
    // The held-out files' outputs under this fold's parameters, for the pooled sweep below.
    const auto scores = runCorpus(corpus, grid[best]);
    for (std::size_t f = 0; f < corpus.files.size(); ++f) {
      if (category_of[f] == c) held_out_scores[f] = scores[f];
    }
  }
  fmt::print(
      "\ncross-validated standard score: {:.2f}  (raw {:.3f}: each file's raw score at its "
      "fold's threshold,\n    summed over the corpus and normalised over all {} windows as NAB "
      "normalises its total)\n",
      normalize(pooled_raw, pooled_windows, profile), pooled_raw, pooled_windows);
  fmt::print(
      "NAB-style sweep of the pooled held-out outputs: {:.2f}  (one threshold re-chosen on them, "
      "as NAB\n    does for every detector; optimistic by that one parameter)\n",
      nab::scoreCorpus(corpus, held_out_scores, profile).normalized);

  std::size_t in_best = 0;
  for (std::size_t i = 1; i < grid.size(); ++i) {
    if (trials[i].in_sample > trials[in_best].in_sample) in_best = i;
  }
  fmt::print(
      "\nin-sample best of the grid (tuned and scored on the whole corpus): {:.2f}\n    {}\n",
      trials[in_best].in_sample, describe(grid[in_best]));
  fmt::print(
      "in-sample score of the options given (the shipped defaults unless overridden): "
      "{:.2f}\n    {}\n",
      nab::scoreCorpus(corpus, runCorpus(corpus, defaults), profile).normalized,
      describe(defaults));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_nab: keelson's anomaly detector on the NAB corpus"};
  std::string nab_dir = KEELSON_NAB_DIR;
  std::string out_dir;
  std::string reference;
  int repeat = 3;
  bool per_file = false;
  bool cross_validate = false;
  int threads = 2;
  DetectorOptions options;
  app.add_option("--nab-dir", nab_dir, "NAB folder (data/, labels/, config/)")
      ->capture_default_str();
  app.add_option("--out", out_dir, "write NAB-format results under this folder");
  app.add_option("--reference", reference,
                 "score reference_results/<NAME> (numenta, windowedGaussian) instead of running");
  app.add_option("--repeat", repeat, "timing runs over the corpus (best one is reported)")
      ->capture_default_str();
  app.add_flag("--per-file", per_file, "print each file's standard-profile contribution");
  app.add_flag("--cross-validate", cross_validate,
               "leave-one-category-out cross-validation of the parameter grid (standard profile)");
  app.add_option("--threads", threads, "threads for --cross-validate (1 or 2)")
      ->capture_default_str();
  Grid grid;
  app.add_option("--grid-warmup", grid.warmup, "--cross-validate: values tried")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--grid-refractory", grid.refractory, "--cross-validate: values tried")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--grid-long-horizon", grid.long_horizon, "--cross-validate: values tried")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--grid-short-horizon", grid.short_horizon, "--cross-validate: values tried")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--grid-spatial-tolerance", grid.spatial_tolerance,
                 "--cross-validate: values tried")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--grid-levels", grid.levels, "--cross-validate: values tried")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--warmup", options.warmup)->capture_default_str();
  app.add_option("--long-horizon", options.long_horizon)->capture_default_str();
  app.add_option("--short-horizon", options.short_horizon)->capture_default_str();
  app.add_option("--refractory", options.refractory)->capture_default_str();
  app.add_option("--spatial-tolerance", options.spatial_tolerance)->capture_default_str();
  app.add_option("--realarm-factor", options.realarm_factor)->capture_default_str();
  app.add_option("--day-horizon", options.day_horizon)->capture_default_str();
  app.add_option("--levels", options.levels)->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  try {
    const nab::NabCorpus corpus = nab::loadNabCorpus(nab_dir);
    std::vector<std::vector<double>> scores;
    std::string name = "keelson";
    if (cross_validate) {
      crossValidate(corpus, grid, options, threads);
      return 0;
    }
    if (!reference.empty()) {
      name = reference;
      scores = nab::readDetectorResults(
          corpus, std::filesystem::path(nab_dir) / "reference_results" / reference, reference);
    } else {
      std::size_t points = 0;
      double best_seconds = 1e300;
      for (int r = 0; r < std::max(repeat, 1); ++r) {
        const auto start = std::chrono::steady_clock::now();
        std::vector<std::vector<double>> run = runCorpus(corpus, options);
        points = 0;
        for (const auto& s : run) points += s.size();
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        best_seconds = std::min(best_seconds, seconds);
        scores = std::move(run);
      }
      fmt::print("points {} in {:.4f} s: {:.2f} M points/s (one core)\n", points, best_seconds,
                 static_cast<double>(points) / best_seconds / 1e6);
      fmt::print("state per series: {} bytes\n", AnomalyDetector::kStateBytes);
      if (!out_dir.empty()) writeResults(out_dir, name, corpus, scores);
    }
    for (const nab::CostProfile& profile : corpus.profiles) {
      const nab::SweepResult result = nab::scoreCorpus(corpus, scores, profile);
      fmt::print("{:<20} {:<18} score {:7.2f}  (raw {:8.3f}, threshold {:.6f}, windows {})\n", name,
                 profile.name, result.normalized, result.raw, result.threshold, result.windows);
      if (per_file && profile.name == "standard") {
        for (std::size_t f = 0; f < corpus.files.size(); ++f) {
          const nab::NabFile& file = corpus.files[f];
          const auto points = nab::sweepFile(scores[f], file.windows, profile, 0);
          const double raw =
              nab::scoreAtThreshold(points, file.windows.size(), profile, result.threshold);
          std::size_t detections = 0;
          for (const auto& p : points) detections += p.anomaly_score >= result.threshold ? 1 : 0;
          fmt::print("  {:<55} windows {} detections {:4} raw {:7.3f}\n", file.name,
                     file.windows.size(), detections, raw);
        }
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_nab: %s\n", e.what());
    return 1;
  }
  return 0;
}
