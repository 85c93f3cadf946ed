#pragma once

// ActionContext: what one action runs with. The client, the write options (dry run, field
// manager), a stop token, and the record of every API request the action makes (ApiCall), which
// the result and the audit log carry. Verbs call the API only through it.

#include <mutex>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "act/action.h"
#include "kube/client.h"
#include "kube/pod.h"
#include "kube/write.h"

namespace keelson::act {

/// Thread-safety: thread-safe (drain evicts from several threads); the calls record is guarded
/// by a mutex.
class ActionContext {
 public:
  /// `client` must outlive the context.
  ActionContext(const kube::Client& client, WriteOptions options, std::stop_token stop = {});

  /// The options the action was asked with.
  const WriteOptions& options() const noexcept { return options_; }
  /// False in a client dry run: nothing may be sent that writes.
  bool sendsWrites() const noexcept { return options_.dry_run != DryRun::kClient; }
  /// The stop token (SIGINT, a caller's deadline).
  const std::stop_token& stop() const noexcept { return stop_; }

  /// GET `path`. Throws ApiError / Error like kube::Client::get.
  std::string get(std::string_view path);
  /// Lists pods (GET /api/v1/pods, page by page, with `options`' selectors). Throws like get.
  std::vector<kube::Pod> listPods(const kube::ListOptions& options);
  /// PATCH `path` with dryRun (server mode) and fieldManager; returns the server's object.
  std::string patch(std::string_view path, kube::PatchType type, std::string_view body);
  /// PUT `path`, as patch().
  std::string update(std::string_view path, std::string_view body);
  /// DELETE `path` (dryRun in server mode is set here); returns the server's answer.
  std::string remove(std::string_view path, kube::DeleteOptions options);
  /// POST `body` to the collection `path` (kube::create with dryRun and fieldManager); returns
  /// the created object.
  std::string create(std::string_view path, std::string_view body);
  /// POST a Binding of a pod to a node (kube::bindPod with dryRun in server mode).
  void bind(const kube::BindingTarget& binding);
  /// POST an eviction of NS/NAME (dryRun in server mode is set here).
  void evict(std::string_view namespace_name, std::string_view name, kube::DeleteOptions options);

  /// The requests made so far, in order.
  std::vector<ApiCall> calls() const;

 private:
  kube::WriteParams writeParams() const;
  void record(std::string_view method, std::string path, int status);
  template <class F>
  auto recorded(std::string_view method, std::string path, F&& call);

  const kube::Client& client_;
  WriteOptions options_;
  std::stop_token stop_;
  mutable std::mutex mutex_;
  std::vector<ApiCall> calls_;
};

}  // namespace keelson::act
