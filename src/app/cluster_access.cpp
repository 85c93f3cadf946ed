#include "app/cluster_access.h"

#include <algorithm>
#include <utility>

namespace keelson::app {

using std::chrono::milliseconds;

kube::TransportOptions transportOptions(ClientProfile profile, milliseconds request_timeout) {
  kube::TransportOptions options;
  options.request_timeout = request_timeout;
  switch (profile) {
    case ClientProfile::kInteractive:
      options.retry.max_attempts = 3;
      options.retry.max_total = std::chrono::seconds(5);
      break;
    case ClientProfile::kService:
      break;
    case ClientProfile::kNodeProxy:
      options.request_timeout = std::min(request_timeout, milliseconds(3000));
      options.retry.max_attempts = 1;
      break;
  }
  return options;
}

ClusterAccess::ClusterAccess(const kube::ConfigOptions& options, ClientProfile profile,
                             milliseconds request_timeout)
    : config_(kube::loadConfig(options)), client_(makeClient(profile, request_timeout)) {}

std::unique_ptr<kube::Client> ClusterAccess::makeClient(ClientProfile profile,
                                                        milliseconds request_timeout) const {
  return std::make_unique<kube::Client>(config_, transportOptions(profile, request_timeout));
}

std::unique_ptr<kube::ClusterCache> ClusterAccess::makeCache(
    kube::ClusterCacheOptions options) const {
  return std::make_unique<kube::ClusterCache>(*client_, std::move(options));
}

}  // namespace keelson::app
