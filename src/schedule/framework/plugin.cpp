#include "schedule/framework/plugin.h"

namespace keelson::schedule::framework {

PreFilterResult FilterPlugin::preFilter(const PodInfo& /*pod*/,
                                        const Snapshot& /*snapshot*/) const {
  return PreFilterResult{Status::success(), std::nullopt, "", nullptr};
}

}  // namespace keelson::schedule::framework
