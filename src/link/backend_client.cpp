#include "link/backend_client.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

namespace keelson::link {
namespace {

using nlohmann::json;

std::string readPem(const std::string& path, const char* flag) {
  if (path.empty()) return "";
  std::ifstream in(path);
  if (!in) throw Error(ErrorCode::kBadInput, fmt::format("{} {}: cannot be read", flag, path));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The error message of a non-2xx answer: the body's "error" (a string, or {"message"}) if any.
std::string answerText(const net::HttpResponse& response) {
  try {
    const json body = json::parse(response.body);
    if (const auto e = body.find("error"); e != body.end()) {
      if (e->is_string()) return e->get<std::string>();
      if (e->is_object() && e->contains("message")) return e->value("message", "");
    }
  } catch (const json::exception&) {
  }
  return response.body.substr(0, 200);
}

}  // namespace

BackendError::BackendError(int status, std::optional<std::chrono::seconds> retry_after,
                           const std::string& message)
    : Error(net::errorCodeForHttpStatus(status), message),
      status_(status),
      retry_after_(retry_after) {}

BackendClient::BackendClient(const BackendEndpoint& endpoint,
                             std::chrono::milliseconds request_timeout)
    : authorization_("Bearer " + endpoint.api_key), request_timeout_(request_timeout) {
  net::Endpoint e;
  e.base_url = endpoint.url;
  e.ca_file = endpoint.ca_file;
  e.client_cert_pem = readPem(endpoint.client_cert_file, "--backend-client-cert-file");
  e.client_key_pem = readPem(endpoint.client_key_file, "--backend-client-key-file");
  net::HttpClientOptions options;
  options.request_timeout = request_timeout;
  http_ = std::make_unique<net::HttpClient>(std::move(e), options);
}

json BackendClient::call(const std::string& method, const std::string& path, const json* body,
                         std::chrono::milliseconds timeout, std::stop_token stop) const {
  net::HttpRequest request;
  request.method = method;
  request.path = path;
  request.headers = {{"Authorization", authorization_}, {"Accept", "application/json"}};
  if (body != nullptr) {
    request.body = body->dump();
    request.headers.push_back({"Content-Type", "application/json"});
  }
  request.timeout = timeout;
  request.stop = std::move(stop);
  request.retry = net::RetryPolicy::none();
  const net::HttpResponse response = http_->request(request);
  if (response.status < 200 || response.status > 299) {
    std::optional<std::chrono::seconds> retry_after;
    if (const auto value = response.header("Retry-After")) {
      retry_after = net::parseRetryAfter(*value);
    }
    throw BackendError(
        response.status, retry_after,
        fmt::format("backend: {} {}: {} {}", method, path, response.status, answerText(response)));
  }
  if (response.body.empty()) return json::object();
  try {
    return json::parse(response.body);
  } catch (const json::parse_error&) {
    throw Error(ErrorCode::kBadInput,
                fmt::format("backend: {} {}: the answer is not JSON", method, path));
  }
}

Registration BackendClient::registerAgent(const RegisterRequest& r, std::stop_token stop) const {
  const json body = {{"clusterId", r.cluster_id},
                     {"agentId", r.agent_id},
                     {"version", r.version},
                     {"hostname", r.hostname},
                     {"kubernetesVersion", r.kubernetes_version},
                     {"capabilities", r.capabilities}};
  const json answer = call("POST", "/v1/agents/register", &body, request_timeout_, std::move(stop));
  Registration out;
  try {
    out.agent_id = answer.value("agentId", r.agent_id);
    out.heartbeat_interval = std::chrono::seconds(
        std::max<std::int64_t>(1, answer.value("heartbeatIntervalSeconds", std::int64_t{30})));
    if (answer.contains("config") && answer["config"].is_object()) out.config = answer["config"];
  } catch (const json::exception& e) {
    throw Error(
        ErrorCode::kBadInput,
        fmt::format("backend: the registration answer is not the documented shape: {}", e.what()));
  }
  return out;
}

std::optional<json> BackendClient::heartbeat(const std::string& agent_id, const json& body,
                                             std::stop_token stop) const {
  const json answer = call("POST", "/v1/agents/" + net::urlEncode(agent_id) + "/heartbeat", &body,
                           request_timeout_, std::move(stop));
  if (answer.is_object() && answer.contains("config") && answer["config"].is_object()) {
    return answer["config"];
  }
  return std::nullopt;
}

void BackendClient::sendBatch(const std::string& agent_id, const store::OutboxEntry& batch,
                              std::stop_token stop) const {
  json items;
  try {
    items = json::parse(batch.items_json);
  } catch (const json::parse_error&) {
    items = json::array();  // the store only keeps arrays; never send a broken batch
  }
  const json body = {
      {"batchId", batch.batch_id}, {"sequence", batch.sequence}, {"items", std::move(items)}};
  call("POST", "/v1/agents/" + net::urlEncode(agent_id) + "/metrics", &body, request_timeout_,
       std::move(stop));
}

std::vector<json> BackendClient::pollActions(const std::string& agent_id, std::chrono::seconds wait,
                                             std::stop_token stop) const {
  const std::string path =
      fmt::format("/v1/agents/{}/actions?wait={}", net::urlEncode(agent_id), wait.count());
  const json answer = call("GET", path, nullptr, request_timeout_ + wait, std::move(stop));
  std::vector<json> out;
  if (answer.is_object() && answer.contains("actions") && answer["actions"].is_array()) {
    for (const json& a : answer["actions"]) out.push_back(a);
  }
  return out;
}

void BackendClient::postResult(const std::string& agent_id, const std::string& action_id,
                               const json& result, std::stop_token stop) const {
  call("POST",
       fmt::format("/v1/agents/{}/actions/{}/result", net::urlEncode(agent_id),
                   net::urlEncode(action_id)),
       &result, request_timeout_, std::move(stop));
}

void BackendClient::deregister(const std::string& agent_id, std::stop_token stop) const {
  call("DELETE", "/v1/agents/" + net::urlEncode(agent_id), nullptr, request_timeout_,
       std::move(stop));
}

}  // namespace keelson::link
