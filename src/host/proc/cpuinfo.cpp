#include "host/proc/cpuinfo.h"

#include <limits>

#include "host/proc/parse_util.h"

namespace keelson::host {
namespace {

std::optional<int> parseSmallInt(std::string_view text) {
  const auto value = detail::parseU64(text);
  if (!value || *value > static_cast<std::uint64_t>(std::numeric_limits<int>::max())) {
    return std::nullopt;
  }
  return static_cast<int>(*value);
}

// Model keys by preference: a lower rank wins when a block has several.
int modelKeyRank(std::string_view key) {
  if (key == "model name") return 0;
  if (key == "Processor") return 1;
  if (key == "cpu model") return 2;
  if (key == "cpu") return 3;
  return -1;
}

}  // namespace

std::vector<CpuInfoProcessor> parseCpuinfo(std::string_view text) {
  std::vector<CpuInfoProcessor> result;
  CpuInfoProcessor current;
  bool in_block = false;
  int model_rank = std::numeric_limits<int>::max();
  // Old ARM kernels print the model once, outside the processor blocks.
  std::string global_model;
  int global_rank = std::numeric_limits<int>::max();
  auto flush = [&] {
    if (in_block && current.processor >= 0) result.push_back(current);
    current = CpuInfoProcessor{};
    in_block = false;
    model_rank = std::numeric_limits<int>::max();
  };
  detail::forEachLine(text, [&](std::string_view line) {
    if (detail::trim(line).empty()) {
      flush();
      return;
    }
    const auto kv = detail::splitKeyValue(line);
    if (!kv) return;
    if (kv->key == "processor") {
      // A second "processor" line without a blank line in between starts a new block.
      if (in_block && current.processor >= 0) flush();
      in_block = true;
      current.processor = parseSmallInt(kv->value).value_or(-1);
      return;
    }
    if (!in_block) {
      if (const int rank = modelKeyRank(kv->key); rank >= 0 && rank < global_rank) {
        global_rank = rank;
        global_model = std::string(kv->value);
      }
      return;
    }
    if (kv->key == "physical id") {
      current.physical_id = parseSmallInt(kv->value);
    } else if (kv->key == "core id") {
      current.core_id = parseSmallInt(kv->value);
    } else if (const int rank = modelKeyRank(kv->key); rank >= 0 && rank < model_rank) {
      model_rank = rank;
      current.model_name = std::string(kv->value);
    }
  });
  flush();
  for (auto& processor : result) {
    if (processor.model_name.empty()) processor.model_name = global_model;
  }
  return result;
}

std::vector<int> parseCpuList(std::string_view text) {
  // A bitmap bounds memory by kMaxCpuNumber and removes duplicates; the piece limit bounds work
  // (a real list has at most one piece per CPU).
  std::vector<bool> online(kMaxCpuNumber + 1, false);
  int pieces = 0;
  text = detail::trim(text);
  while (!text.empty() && pieces++ <= kMaxCpuNumber) {
    const auto comma = text.find(',');
    auto piece = detail::trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);

    // Optional stride suffix ":used/group" (cpuset list format); keep only "a-b".
    int used = 0;
    int group = 0;
    if (const auto colon = piece.find(':'); colon != std::string_view::npos) {
      const auto stride = piece.substr(colon + 1);
      const auto slash = stride.find('/');
      if (slash == std::string_view::npos) continue;
      const auto used_value = parseSmallInt(stride.substr(0, slash));
      const auto group_value = parseSmallInt(stride.substr(slash + 1));
      if (!used_value || !group_value || *group_value == 0 || *used_value > *group_value) continue;
      used = *used_value;
      group = *group_value;
      piece = piece.substr(0, colon);
    }
    const auto dash = piece.find('-');
    const auto first = parseSmallInt(piece.substr(0, dash));
    const auto last =
        dash == std::string_view::npos ? first : parseSmallInt(piece.substr(dash + 1));
    if (!first || !last || *first > *last || *last > kMaxCpuNumber) continue;
    for (int cpu = *first; cpu <= *last; ++cpu) {
      if (group == 0 || (cpu - *first) % group < used) online[static_cast<std::size_t>(cpu)] = true;
    }
  }
  std::vector<int> cpus;
  for (int cpu = 0; cpu <= kMaxCpuNumber; ++cpu) {
    if (online[static_cast<std::size_t>(cpu)]) cpus.push_back(cpu);
  }
  return cpus;
}

}  // namespace keelson::host
