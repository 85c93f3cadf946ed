// bench_nab: keelson's streaming anomaly detector on the Numenta Anomaly Benchmark.
// Runs one AnomalyDetector per NAB file (strictly online, one parameter set for all files),
// writes NAB-format results (<out>/<detector>/<category>/<detector>_<file>.csv), scores the three
// profiles with keelson's NAB scorer and prints the scores and the detector's points per second.
// With --reference it scores the published reference results instead.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
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

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_nab: keelson's anomaly detector on the NAB corpus"};
  std::string nab_dir = KEELSON_NAB_DIR;
  std::string out_dir;
  std::string reference;
  int repeat = 3;
  bool per_file = false;
  DetectorOptions options;
  app.add_option("--nab-dir", nab_dir, "NAB folder (data/, labels/, config/)")
      ->capture_default_str();
  app.add_option("--out", out_dir, "write NAB-format results under this folder");
  app.add_option("--reference", reference,
                 "score reference_results/<NAME> (numenta, windowedGaussian) instead of running");
  app.add_option("--repeat", repeat, "timing runs over the corpus (best one is reported)")
      ->capture_default_str();
  app.add_flag("--per-file", per_file, "print each file's standard-profile contribution");
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
    if (!reference.empty()) {
      name = reference;
      scores = nab::readDetectorResults(
          corpus, std::filesystem::path(nab_dir) / "reference_results" / reference, reference);
    } else {
      std::size_t points = 0;
      double best_seconds = 1e300;
      for (int r = 0; r < std::max(repeat, 1); ++r) {
        std::vector<std::vector<double>> run;
        points = 0;
        const auto start = std::chrono::steady_clock::now();
        for (const nab::NabFile& file : corpus.files) {
          AnomalyDetector detector(options);
          std::vector<double> s;
          s.reserve(file.rows.size());
          for (const auto& row : file.rows)
            s.push_back(detector.update(row.timestamp_ms, row.value));
          points += s.size();
          run.push_back(std::move(s));
        }
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
