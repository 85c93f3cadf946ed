#include "schedule/framework/status.h"

#include <cassert>
#include <utility>

namespace keelson::schedule::framework {

Status Status::reject(Code code, std::string_view plugin, std::vector<Reason> reasons) {
  assert(code != Code::kSuccess && !reasons.empty());
  return Status{code, std::string(plugin), std::move(reasons)};
}

}  // namespace keelson::schedule::framework
