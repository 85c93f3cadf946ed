// keelson detect: the streaming anomaly detector applied offline to one timestamp,value series.
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "core/error.h"
#include "detect/anomaly_detector.h"
#include "detect/series_csv.h"

namespace keelson::cli {
namespace {

struct DetectCommand {
  std::string file = "-";
  bool counter = false;

  int run() const {
    std::ifstream file_in;
    std::istream* in = &std::cin;
    std::string source = "stdin";
    if (file != "-") {
      file_in.open(file, std::ios::binary);
      if (!file_in) throw Error(ErrorCode::kBadInput, fmt::format("{}: cannot open", file));
      in = &file_in;
      source = file;
    }
    detect::DetectorOptions options;
    options.monotonic_counter = counter;
    detect::AnomalyDetector detector(options);
    detect::SeriesCsvReader reader(*in, source);
    std::string out = "timestamp,value,anomaly_score\n";
    std::fwrite(out.data(), 1, out.size(), stdout);
    // Rows are written as they are scored, so a pipe sees each score as soon as its row arrives.
    while (auto row = reader.next()) {
      const double score = detector.update(row->timestamp_ms, row->value);
      out.clear();
      fmt::format_to(std::back_inserter(out), "{},{},{:.6f}\n", row->timestamp, row->value, score);
      std::fwrite(out.data(), 1, out.size(), stdout);
    }
    if (std::fflush(stdout) != 0) {
      throw Error(ErrorCode::kUnavailable, "standard output: write failed");
    }
    return kExitOk;
  }
};

}  // namespace

void addDetectCommand(CLI::App& app, Action& action) {
  auto* cmd =
      app.add_subcommand("detect",
                         "score a timestamp,value CSV with the streaming anomaly detector: writes "
                         "timestamp,value,anomaly_score (0..1), one row per input row");
  auto c = std::make_shared<DetectCommand>();
  cmd->add_option("file", c->file,
                  "CSV with a header and timestamp,value rows (\"2014-04-01 00:00:00\", RFC 3339 "
                  "or unix seconds); - or nothing reads standard input")
      ->capture_default_str();
  cmd->add_flag("--counter", c->counter,
                "the series is a monotonic counter (e.g. restarts): detect on its increments; a "
                "drop is a counter reset");
  cmd->callback([&action, c] { action = [c] { return c->run(); }; });
}

}  // namespace keelson::cli
