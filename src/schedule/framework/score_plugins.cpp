#include "schedule/framework/score_plugins.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <memory>
#include <set>

#include "core/error.h"
#include "schedule/framework/balanced_allocation.h"
#include "schedule/framework/inter_pod_affinity_score.h"
#include "schedule/framework/node_affinity_score.h"
#include "schedule/framework/pod_topology_spread_score.h"
#include "schedule/framework/taint_toleration_score.h"

namespace keelson::schedule::framework {
namespace {

bool knownPlugin(std::string_view name) {
  return std::any_of(kDefaultScoreWeights.begin(), kDefaultScoreWeights.end(),
                     [&](const auto& entry) { return entry.first == name; });
}

std::string knownPlugins() {
  std::string out;
  for (const auto& [name, weight] : kDefaultScoreWeights) {
    out += (out.empty() ? "" : ", ") + std::string(name);
  }
  return out;
}

void checkWeight(std::string_view name, std::int64_t weight) {
  if (!knownPlugin(name)) {
    throw Error(ErrorCode::kBadInput,
                fmt::format("score plugin \"{}\" is unknown (have: {})", name, knownPlugins()));
  }
  if (weight < 0 || weight > kMaxPluginWeight) {
    throw Error(ErrorCode::kBadInput, fmt::format("score plugin {}: weight {}, expected 0-{}", name,
                                                  weight, kMaxPluginWeight));
  }
}

std::unique_ptr<const ScorePlugin> makePlugin(std::string_view name, const ScoreConfig& config) {
  if (name == TaintTolerationScore::kName) return std::make_unique<TaintTolerationScore>();
  if (name == NodeAffinityScore::kName) {
    return std::make_unique<NodeAffinityScore>(config.added_node_affinity);
  }
  if (name == NodeResourcesFitScore::kName) {
    return std::make_unique<NodeResourcesFitScore>(config.strategy, config.resources, config.shape);
  }
  if (name == PodTopologySpreadScore::kName) return std::make_unique<PodTopologySpreadScore>();
  if (name == InterPodAffinityScore::kName) {
    return std::make_unique<InterPodAffinityScore>(config.hard_pod_affinity_weight);
  }
  std::vector<std::string> names;
  for (const ResourceSpec& r : config.resources) names.push_back(r.name);
  return std::make_unique<BalancedAllocation>(std::move(names));
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t");
  return s.substr(first, last - first + 1);
}

/// A non-negative integer of an `entry` of the list `what` ("score weights", "scoring shape").
std::int64_t parseCount(std::string_view what, std::string_view entry, std::string_view text) {
  std::int64_t weight = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), weight);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || weight < 0) {
    throw Error(ErrorCode::kBadInput,
                fmt::format("{}: \"{}\": \"{}\" is not a non-negative integer", what, entry, text));
  }
  return weight;
}

}  // namespace

std::vector<WeightedScorePlugin> makeScorePlugins(const ScoreConfig& config) {
  for (const auto& [name, weight] : config.weights) checkWeight(name, weight);
  std::vector<WeightedScorePlugin> plugins;
  for (const auto& [name, default_weight] : kDefaultScoreWeights) {
    const auto it = config.weights.find(name);
    const std::int64_t weight = it == config.weights.end() ? default_weight : it->second;
    if (weight == 0) continue;
    plugins.push_back(WeightedScorePlugin{makePlugin(name, config), weight});
  }
  return plugins;
}

void setPluginWeight(ScoreConfig& config, std::string_view name, std::int64_t weight) {
  checkWeight(name, weight);
  config.weights.insert_or_assign(std::string(name), weight);
}

ScoreConfig parseScoreWeights(std::string_view spec) {
  ScoreConfig config;
  if (trim(spec).empty()) return config;
  std::set<std::string, std::less<>> seen;
  while (true) {
    const auto comma = spec.find(',');
    const std::string_view entry = trim(spec.substr(0, comma));
    const auto eq = entry.find('=');
    if (eq == std::string_view::npos) {
      throw Error(ErrorCode::kBadInput,
                  fmt::format("score weights: \"{}\": expected PluginName=weight", entry));
    }
    const std::string_view name = trim(entry.substr(0, eq));
    const std::int64_t weight = parseCount("score weights", entry, trim(entry.substr(eq + 1)));
    if (!seen.emplace(name).second) {
      throw Error(ErrorCode::kBadInput,
                  fmt::format("score weights: plugin {} is given twice", name));
    }
    setPluginWeight(config, name, weight);
    if (comma == std::string_view::npos) break;
    spec.remove_prefix(comma + 1);
  }
  return config;
}

ScoringStrategy parseScoringStrategy(std::string_view name) {
  if (name == "LeastAllocated") return ScoringStrategy::kLeastAllocated;
  if (name == "MostAllocated") return ScoringStrategy::kMostAllocated;
  if (name == "RequestedToCapacityRatio") return ScoringStrategy::kRequestedToCapacityRatio;
  throw Error(ErrorCode::kBadInput,
              fmt::format("scoring strategy \"{}\" is unknown (have: LeastAllocated, "
                          "MostAllocated, RequestedToCapacityRatio)",
                          name));
}

std::vector<UtilizationShapePoint> parseScoringShape(std::string_view spec) {
  std::vector<UtilizationShapePoint> shape;
  while (!trim(spec).empty()) {
    const auto comma = spec.find(',');
    const std::string_view entry = trim(spec.substr(0, comma));
    const auto eq = entry.find('=');
    if (eq == std::string_view::npos) {
      throw Error(ErrorCode::kBadInput,
                  fmt::format("scoring shape: \"{}\": expected utilization=score", entry));
    }
    const std::int64_t utilization = parseCount("scoring shape", entry, trim(entry.substr(0, eq)));
    const std::int64_t score = parseCount("scoring shape", entry, trim(entry.substr(eq + 1)));
    if (utilization > 100 || score > 10 ||
        (!shape.empty() && utilization <= shape.back().utilization)) {
      throw Error(ErrorCode::kBadInput,
                  fmt::format("scoring shape: \"{}\": expected utilization 0-100, increasing, "
                              "and score 0-10",
                              entry));
    }
    shape.push_back({utilization, score});
    if (comma == std::string_view::npos) break;
    spec.remove_prefix(comma + 1);
  }
  return shape;
}

}  // namespace keelson::schedule::framework
