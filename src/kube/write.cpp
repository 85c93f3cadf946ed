#include "kube/write.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "net/http.h"

namespace keelson::kube {

namespace {

std::string_view contentType(PatchType type) noexcept {
  switch (type) {
    case PatchType::kMerge:
      return "application/merge-patch+json";
    case PatchType::kStrategicMerge:
      return "application/strategic-merge-patch+json";
    case PatchType::kJson:
      return "application/json-patch+json";
  }
  return "application/merge-patch+json";
}

nlohmann::json deleteOptionsObject(const DeleteOptions& options) {
  nlohmann::json doc = {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}};
  if (options.grace_period_seconds) doc["gracePeriodSeconds"] = *options.grace_period_seconds;
  if (options.dry_run) doc["dryRun"] = nlohmann::json::array({"All"});
  if (!options.precondition_uid.empty()) {
    doc["preconditions"] = {{"uid", options.precondition_uid}};
  }
  return doc;
}

// One attempt: the caller of a write decides whether and when to try again.
SendOptions once(std::string_view content_type) {
  SendOptions options;
  options.content_type = std::string(content_type);
  options.retry = net::RetryPolicy::none();
  return options;
}

}  // namespace

std::string writePath(std::string_view path, const WriteParams& params) {
  std::string url(path);
  char separator = url.find('?') == std::string::npos ? '?' : '&';
  if (params.dry_run) {
    url += separator;
    url += "dryRun=All";
    separator = '&';
  }
  if (!params.field_manager.empty()) {
    url += separator;
    url += "fieldManager=";
    url += net::urlEncode(params.field_manager);
  }
  return url;
}

std::string patch(const Client& client, std::string_view path, PatchType type,
                  std::string_view body, const WriteParams& params, std::stop_token stop) {
  return client.send("PATCH", writePath(path, params), body, once(contentType(type)),
                     std::move(stop));
}

std::string update(const Client& client, std::string_view path, std::string_view body,
                   const WriteParams& params, std::stop_token stop) {
  return client.send("PUT", writePath(path, params), body, once("application/json"),
                     std::move(stop));
}

std::string create(const Client& client, std::string_view path, std::string_view body,
                   const WriteParams& params, std::stop_token stop) {
  return client.send("POST", writePath(path, params), body, once("application/json"),
                     std::move(stop));
}

void bindPod(const Client& client, const BindingTarget& binding, const WriteParams& params,
             std::stop_token stop) {
  nlohmann::json metadata = {{"name", binding.name}, {"namespace", binding.namespace_name}};
  if (!binding.uid.empty()) metadata["uid"] = binding.uid;
  const nlohmann::json body = {
      {"apiVersion", "v1"},
      {"kind", "Binding"},
      {"metadata", std::move(metadata)},
      {"target", {{"apiVersion", "v1"}, {"kind", "Node"}, {"name", binding.node}}},
  };
  create(client,
         fmt::format("/api/v1/namespaces/{}/pods/{}/binding", binding.namespace_name, binding.name),
         body.dump(), params, std::move(stop));
}

std::string deleteOptionsJson(const DeleteOptions& options) {
  return deleteOptionsObject(options).dump();
}

std::string remove(const Client& client, std::string_view path, const DeleteOptions& options,
                   std::stop_token stop) {
  return client.send("DELETE", path, deleteOptionsJson(options), once("application/json"),
                     std::move(stop));
}

void evict(const Client& client, std::string_view namespace_name, std::string_view name,
           const DeleteOptions& options, std::stop_token stop) {
  const nlohmann::json eviction = {{"apiVersion", "policy/v1"},
                                   {"kind", "Eviction"},
                                   {"metadata", {{"name", name}, {"namespace", namespace_name}}},
                                   {"deleteOptions", deleteOptionsObject(options)}};
  client.send("POST", fmt::format("/api/v1/namespaces/{}/pods/{}/eviction", namespace_name, name),
              eviction.dump(), once("application/json"), std::move(stop));
}

}  // namespace keelson::kube
