// keelson detect: the streaming anomaly detector applied offline to one timestamp,value series.
#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/output.h"
#include "core/error.h"
#include "detect/anomaly_detector.h"
#include "detect/series_csv.h"

namespace keelson::cli {
namespace {

// Closes a FILE* that is not standard output.
struct FileCloser {
  void operator()(std::FILE* file) const {
    if (file != stdout) std::fclose(file);
  }
};

struct DetectCommand {
  std::string file = "-";
  bool counter = false;
  OutputFlags output;

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
    if (output.structured()) {
      nlohmann::json rows = nlohmann::json::array();
      while (auto row = reader.next()) {
        const double score = detector.update(row->timestamp_ms, row->value);
        rows.push_back(
            {{"timestamp", row->timestamp}, {"value", row->value}, {"anomaly_score", score}});
      }
      output.write(rows, [](const std::string&) { return std::string(); });
      return kExitOk;
    }
    const std::unique_ptr<std::FILE, FileCloser> sink(
        output.file.empty() ? stdout : std::fopen(output.file.c_str(), "wb"));
    if (!sink) {
      throw Error(ErrorCode::kBadInput, fmt::format("--output-file {}: cannot write: {}",
                                                    output.file, std::strerror(errno)));
    }
    std::string out = "timestamp,value,anomaly_score\n";
    std::fwrite(out.data(), 1, out.size(), sink.get());
    // Rows are written as they are scored, so a pipe sees each score as soon as its row arrives.
    while (auto row = reader.next()) {
      const double score = detector.update(row->timestamp_ms, row->value);
      out.clear();
      fmt::format_to(std::back_inserter(out), "{},{},{:.6f}\n", row->timestamp, row->value, score);
      std::fwrite(out.data(), 1, out.size(), sink.get());
    }
    if (std::fflush(sink.get()) != 0) {
      throw Error(ErrorCode::kUnavailable, output.file.empty()
                                               ? "standard output: write failed"
                                               : "--output-file " + output.file + ": write failed");
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
  c->output.add(*cmd, {"csv", "json", "yaml"});
  cmd->callback([&action, c] { action = [c] { return c->run(); }; });
}

}  // namespace keelson::cli
