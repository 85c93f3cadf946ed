// parseFailedSchedulingMessage: kube-scheduler's FitError text (pkg/scheduler/framework/types.go,
// FitError.Error), in the wordings it has had over the releases.

#include <cctype>
#include <charconv>
#include <string>
#include <string_view>

#include "analysis/scheduling.h"
#include "schedule/framework/node_affinity.h"
#include "schedule/framework/node_ports.h"
#include "schedule/framework/taint_toleration.h"
#include "schedule/framework/volume_binding.h"

namespace keelson::analysis {
namespace {

constexpr std::string_view kAvailable = " nodes are available";

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

/// Reads a leading "<digits> " count; returns the digits' length (0 when there is none).
size_t leadingCount(std::string_view s, int& count) {
  size_t i = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  if (i == 0 || i >= s.size() || s[i] != ' ') return 0;
  std::from_chars(s.data(), s.data() + i, count);
  return i;
}

/// True when `s` starts a new "<count> <reason>" item.
bool startsItem(std::string_view s) {
  int ignored = 0;
  return leadingCount(s, ignored) > 0;
}

}  // namespace

std::string normalizeSchedulingCategory(std::string_view reason) {
  reason = trim(reason);
  // v1.18-v1.24: "node(s) had taint {k: v}, that the pod didn't tolerate"; v1.25-v1.28:
  // "node(s) had untolerated taint {k: v}"; older: "node(s) had taints that the pod didn't
  // tolerate"; now: "node(s) had untolerated taint(s)".
  if (reason.starts_with("node(s) had taint") ||
      reason.starts_with("node(s) had untolerated taint")) {
    return std::string(schedule::framework::TaintToleration::kReason);
  }
  if (reason == "node(s) didn't match node selector" ||
      reason == "node(s) didn't match Pod's node affinity" ||
      reason == schedule::framework::NodeAffinity::kReason) {
    return std::string(schedule::framework::NodeAffinity::kReason);
  }
  if (reason == "node(s) had volume node affinity conflict") {
    return std::string(schedule::framework::VolumeBinding::kReasonVolumeNodeAffinity);
  }
  if (reason == schedule::framework::NodePorts::kReason ||
      reason == "node(s) didn't have free ports") {
    return std::string(schedule::framework::NodePorts::kReason);
  }
  return std::string(reason);
}

FailedSchedulingMessage parseFailedSchedulingMessage(std::string_view message) {
  FailedSchedulingMessage out;
  std::string_view text = trim(message);
  if (!text.starts_with("0/")) return out;
  const size_t avail = text.find(kAvailable);
  if (avail == std::string_view::npos) return out;
  const std::string_view total = text.substr(2, avail - 2);
  const auto [ptr, ec] =
      std::from_chars(total.data(), total.data() + total.size(), out.total_nodes);
  if (ec != std::errc{} || ptr != total.data() + total.size()) return out;
  out.valid = true;
  text.remove_prefix(avail + kAvailable.size());
  if (text.starts_with(":")) text.remove_prefix(1);

  // The reasons end at the first ". " (then PostFilter messages follow) or the final ".".
  std::string_view reasons = text;
  const size_t end = text.find(". ");
  if (end != std::string_view::npos) {
    reasons = text.substr(0, end);
    std::string_view post = trim(text.substr(end + 2));
    if (post.ends_with(".")) post.remove_suffix(1);
    out.postfilter = std::string(post);
    const size_t pre = post.find("preemption:");
    if (pre != std::string_view::npos) out.preemption = std::string(post.substr(pre));
  } else if (reasons.ends_with(".")) {
    reasons.remove_suffix(1);
  }
  reasons = trim(reasons);
  if (reasons.empty()) return out;

  // Items are "<count> <reason>" joined by ", "; a reason may itself contain ", " (the old taint
  // wording "had taint {k: v}, that the pod didn't tolerate"), so split only where a count starts.
  std::vector<std::string_view> items;
  size_t start = 0;
  size_t pos = 0;
  while ((pos = reasons.find(", ", pos)) != std::string_view::npos) {
    if (startsItem(reasons.substr(pos + 2))) {
      items.push_back(reasons.substr(start, pos - start));
      start = pos + 2;
    }
    pos += 2;
  }
  items.push_back(reasons.substr(start));

  for (std::string_view item : items) {
    item = trim(item);
    int count = 0;
    const size_t digits = leadingCount(item, count);
    std::string_view reason = digits > 0 ? trim(item.substr(digits)) : item;
    // A reason without a count is a PreFilter rejection: it applies to every node.
    if (digits == 0) count = out.total_nodes;
    out.raw_reasons.emplace_back(std::string(reason), count);
    out.categories[normalizeSchedulingCategory(reason)] += count;
  }
  return out;
}

}  // namespace keelson::analysis
