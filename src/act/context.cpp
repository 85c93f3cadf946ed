#include "act/context.h"

#include <utility>

#include "kube/api_error.h"
#include "kube/list.h"

namespace keelson::act {

ActionContext::ActionContext(const kube::Client& client, WriteOptions options, std::stop_token stop)
    : client_(client), options_(std::move(options)), stop_(std::move(stop)) {}

kube::WriteParams ActionContext::writeParams() const {
  return {options_.dry_run == DryRun::kServer, options_.field_manager};
}

void ActionContext::record(std::string_view method, std::string path, int status) {
  const std::scoped_lock lock(mutex_);
  calls_.push_back({std::string(method), std::move(path), status});
}

// Runs `call`, recording its status: 200 when it returned, the ApiError's status when the
// server refused, 0 when the server could not be reached.
template <class F>
auto ActionContext::recorded(std::string_view method, std::string path, F&& call) {
  try {
    if constexpr (std::is_void_v<decltype(call())>) {
      call();
      record(method, std::move(path), 200);
    } else {
      auto result = call();
      record(method, std::move(path), 200);
      return result;
    }
  } catch (const kube::ApiError& e) {
    record(method, std::move(path), e.httpStatus());
    throw;
  } catch (const Error&) {
    record(method, std::move(path), 0);
    throw;
  }
}

std::string ActionContext::get(std::string_view path) {
  return recorded("GET", std::string(path), [&] { return client_.get(path, stop_); });
}

std::vector<kube::Pod> ActionContext::listPods(const kube::ListOptions& options) {
  std::string path = "/api/v1/pods?fieldSelector=" + options.field_selector;
  if (!options.label_selector.empty()) path += "&labelSelector=" + options.label_selector;
  return recorded("GET", std::move(path), [&] {
    return kube::listAll<kube::Pod>(client_, "/api/v1/pods", options, stop_).items;
  });
}

std::string ActionContext::patch(std::string_view path, kube::PatchType type,
                                 std::string_view body) {
  return recorded("PATCH", kube::writePath(path, writeParams()),
                  [&] { return kube::patch(client_, path, type, body, writeParams(), stop_); });
}

std::string ActionContext::update(std::string_view path, std::string_view body) {
  return recorded("PUT", kube::writePath(path, writeParams()),
                  [&] { return kube::update(client_, path, body, writeParams(), stop_); });
}

std::string ActionContext::remove(std::string_view path, kube::DeleteOptions options) {
  options.dry_run = options_.dry_run == DryRun::kServer;
  return recorded("DELETE", std::string(path),
                  [&] { return kube::remove(client_, path, options, stop_); });
}

std::string ActionContext::create(std::string_view path, std::string_view body) {
  return recorded("POST", kube::writePath(path, writeParams()),
                  [&] { return kube::create(client_, path, body, writeParams(), stop_); });
}

void ActionContext::bind(const kube::BindingTarget& binding) {
  recorded("POST",
           "/api/v1/namespaces/" + binding.namespace_name + "/pods/" + binding.name + "/binding",
           [&] { kube::bindPod(client_, binding, writeParams(), stop_); });
}

void ActionContext::evict(std::string_view namespace_name, std::string_view name,
                          kube::DeleteOptions options) {
  options.dry_run = options_.dry_run == DryRun::kServer;
  recorded("POST",
           "/api/v1/namespaces/" + std::string(namespace_name) + "/pods/" + std::string(name) +
               "/eviction",
           [&] { kube::evict(client_, namespace_name, name, options, stop_); });
}

std::vector<ApiCall> ActionContext::calls() const {
  const std::scoped_lock lock(mutex_);
  return calls_;
}

}  // namespace keelson::act
