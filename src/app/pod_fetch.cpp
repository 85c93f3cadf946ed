#include "app/pod_fetch.h"

#include <fmt/format.h>

#include <string>

#include "docs/pod_documents.h"
#include "kube/api_error.h"
#include "kube/decode.h"
#include "kube/names.h"

namespace keelson::app {

PodContext fetchPodContext(const kube::Client& client, std::string_view ns, std::string_view name) {
  kube::validatePodName(ns, name);
  PodContext context;
  try {
    context.pod = kube::decodeObject<kube::Pod>(
        client.get(fmt::format("/api/v1/namespaces/{}/pods/{}", ns, name)));
  } catch (const kube::ApiError& e) {
    if (e.code() != ErrorCode::kNotFound) throw;
    throw Error(ErrorCode::kNotFound,
                fmt::format("pod '{}' not found in namespace '{}'", name, ns));
  }
  kube::ListOptions options;
  options.field_selector = fmt::format("involvedObject.kind=Pod,involvedObject.name={}", name);
  std::vector<kube::Event> events;
  options.on_restart = [&events] { events.clear(); };
  client.listPages(
      fmt::format("/api/v1/namespaces/{}/events", ns), options, [&events](std::string_view page) {
        auto list =
            kube::decodeList<kube::Event>(kube::PaddedJson(page, page.size() + kube::kJsonPadding));
        for (auto& event : list.items) events.push_back(std::move(event));
      });
  context.events = docs::podEvents(context.pod, events);
  return context;
}

}  // namespace keelson::app
