#include "schedule/framework/fit_error.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace keelson::schedule::framework {

std::string fitErrorMessage(int total_nodes, const std::map<std::string, int>& categories,
                            const std::optional<std::string>& prefilter_category) {
  std::string out = fmt::format("0/{} nodes are available:", total_nodes);
  if (prefilter_category) return out + " " + *prefilter_category + ".";
  std::vector<std::string> parts;
  for (const auto& [category, n] : categories) parts.push_back(fmt::format("{} {}", n, category));
  std::sort(parts.begin(), parts.end());  // The scheduler sorts "<count> <reason>" strings.
  if (parts.empty()) return out;
  out += " ";
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? ", " : "") + parts[i];
  return out + ".";
}

}  // namespace keelson::schedule::framework
