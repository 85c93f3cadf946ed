#pragma once

// The Score plugin flags `keelson schedule` and `keelson scheduler` share: NodeResourcesFit's
// scoring strategy (kube-scheduler's scoringStrategy.type), its RequestedToCapacityRatio shape,
// and the plugins' weights.

#include <CLI/CLI.hpp>
#include <string>

#include "schedule/framework/score_plugins.h"

namespace keelson::cli {

/// --scoring-strategy, --scoring-shape, --score-weights.
struct ScoreFlags {
  std::string strategy = "LeastAllocated";
  std::string shape = "0=0,100=10";
  std::string weights;

  /// Registers the flags on `command`.
  void add(CLI::App& command);
  /// The Score plugins' configuration. Throws Error(kBadInput) naming the flag for a bad value.
  schedule::framework::ScoreConfig config() const;
};

}  // namespace keelson::cli
