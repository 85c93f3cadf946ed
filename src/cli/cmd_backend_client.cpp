// keelson backend action create|get and keelson backend status: the reference backend's
// operator API (backend/routes.h) over net::HttpClient, with OPERATOR_TOKEN.
#include <algorithm>
#include <cctype>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "act/target.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "cli/secrets.h"
#include "core/error.h"
#include "core/terminal_text.h"
#include "docs/table.h"
#include "net/http_client.h"

namespace keelson::cli {
namespace {

using nlohmann::json;

// The flags every operator command takes: where the backend is and the token to show it.
struct OperatorFlags {
  std::string backend_url;
  std::string ca_file;
  SecretSource token{"OPERATOR_TOKEN", "--operator-token-file", ""};
  OutputFlags output;

  void add(CLI::App& command) {
    command.add_option("--backend-url", backend_url, "the backend, e.g. https://backend:8443")
        ->envname("BACKEND_URL")
        ->required();
    command.add_option("--backend-ca-file", ca_file, "CA bundle (PEM) to verify the backend with")
        ->type_name("FILE");
    command.add_option("--operator-token-file", token.file, "file holding OPERATOR_TOKEN")
        ->type_name("FILE");
    output.add(command, {"text", "json"});
  }

  // Sends `method path` (with `body` unless null) and returns the answer's JSON. Throws
  // Error(kBadInput) naming the status and the backend's message for a 4xx, Error(kUnavailable)
  // for a 5xx or an unreachable backend.
  json call(const std::string& method, const std::string& path, const json& body = {}) const {
    std::vector<std::string> missing;
    const std::string secret = secretFromFileOrEnv(token, missing);
    requireSecrets("keelson backend", missing);
    net::Endpoint endpoint;
    endpoint.base_url = net::withDefaultScheme(backend_url);
    endpoint.ca_file = ca_file;
    net::HttpClient client(std::move(endpoint));
    net::HttpRequest request;
    request.method = method;
    request.path = path;
    request.headers = {{"Authorization", "Bearer " + secret}, {"Accept", "application/json"}};
    if (!body.is_null()) {
      request.body = body.dump();
      request.headers.push_back({"Content-Type", "application/json"});
    }
    const net::HttpResponse response = client.request(request);
    json answer = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
    if (response.status >= 200 && response.status < 300 && !answer.is_discarded()) return answer;
    std::string message = response.body;
    if (!answer.is_discarded() && answer.contains("error")) {
      const json& error = answer["error"];
      message = error.is_string() ? error.get<std::string>() : error.value("message", message);
    }
    throw Error(response.status >= 500 ? ErrorCode::kUnavailable : ErrorCode::kBadInput,
                client.baseUrl() + ": " + std::to_string(response.status) + " " +
                    core::terminalSafe(message) + " (" + method + " " + path + ")");
  }
};

// A cell from a JSON value: strings as they are (made terminal-safe), others as JSON, null "-".
std::string cell(const json& value) {
  if (value.is_null()) return "-";
  return core::terminalSafe(value.is_string() ? value.get<std::string>() : value.dump());
}

// "node/n1", "deployment/shop/web": the target as kubectl names it, with its namespace.
std::string targetText(const json& target) {
  std::string kind = target.value("kind", "");
  std::transform(kind.begin(), kind.end(), kind.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const std::string ns = target.value("namespace", "");
  return core::terminalSafe(kind + "/" + (ns.empty() ? "" : ns + "/") + target.value("name", ""));
}

std::string actionsTable(const json& actions, std::string_view indent = "") {
  docs::Table table({"ID", "CLUSTER", "VERB", "TARGET", "STATE", "RESULT", "CREATED"});
  for (const json& a : actions) {
    const json result = a.value("result", json());
    table.add({cell(a["id"]), cell(a["clusterId"]), cell(a["verb"]), targetText(a["target"]),
               cell(a["state"]), result.is_null() ? "-" : cell(result["status"]),
               cell(a["createdAt"])});
  }
  return table.render(indent);
}

std::string statusText(const json& doc) {
  docs::Table agents(
      {"CLUSTER", "AGENT", "HOSTNAME", "VERSION", "HEALTH", "LAST HEARTBEAT", "BATCHES"});
  for (const json& cluster : doc["clusters"]) {
    for (const json& a : cluster["agents"]) {
      agents.add({cell(a["clusterId"]), cell(a["agentId"]), cell(a["hostname"]), cell(a["version"]),
                  cell(a["health"]), cell(a.value("lastHeartbeatAt", json())),
                  cell(a["batchesReceived"])});
    }
  }
  return "Agents:\n" + agents.render("  ") + "\nActions:\n" + actionsTable(doc["actions"], "  ");
}

// --param k=v: the value as JSON when it parses (3, true, ["a"]), else as a string.
json paramsFrom(const std::vector<std::string>& params) {
  json out = json::object();
  for (const std::string& param : params) {
    const auto eq = param.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw Error(ErrorCode::kBadInput, "--param " + param + ": expected KEY=VALUE");
    }
    const std::string value = param.substr(eq + 1);
    json parsed = json::parse(value, nullptr, /*allow_exceptions=*/false);
    out[param.substr(0, eq)] = parsed.is_discarded() ? json(value) : std::move(parsed);
  }
  return out;
}

struct CreateCommand {
  OperatorFlags flags;
  std::string cluster;
  std::string verb;
  std::string target;
  std::string namespace_name = "default";
  std::vector<std::string> params;
  std::string agent_id;
  int ttl_seconds = 0;

  int run() const {
    const act::ObjectRef ref = act::parseObjectRef(target, act::KindSet::kAny, namespace_name);
    json body = {{"verb", verb},
                 {"target", {{"kind", ref.kind.kind}, {"name", ref.name}}},
                 {"params", paramsFrom(params)}};
    if (!ref.namespace_name.empty()) body["target"]["namespace"] = ref.namespace_name;
    if (!agent_id.empty()) body["agentId"] = agent_id;
    if (ttl_seconds > 0) body["ttlSeconds"] = ttl_seconds;
    const json created =
        flags.call("POST", "/v1/clusters/" + net::urlEncode(cluster) + "/actions", body);
    flags.output.write(created,
                       [&](const std::string&) { return actionsTable(json::array({created})); });
    return kExitOk;
  }
};

struct GetCommand {
  OperatorFlags flags;
  std::string id;

  int run() const {
    const json action = flags.call("GET", "/v1/actions/" + net::urlEncode(id));
    flags.output.write(action,
                       [&](const std::string&) { return actionsTable(json::array({action})); });
    return kExitOk;
  }
};

struct StatusCommand {
  OperatorFlags flags;

  int run() const {
    const json doc = flags.call("GET", "/v1/status");
    flags.output.write(doc, [&](const std::string&) { return statusText(doc); });
    return kExitOk;
  }
};

}  // namespace

void addBackendClientCommands(CLI::App& backend, Action& action) {
  auto* action_cmd = backend.add_subcommand("action", "create and read signed actions");
  action_cmd->require_subcommand(1);

  auto* create = action_cmd->add_subcommand("create", "create a signed action for a cluster");
  auto c = std::make_shared<CreateCommand>();
  c->flags.add(*create);
  create->add_option("--cluster", c->cluster, "the cluster's id (the agent's CLUSTER_ID)")
      ->required();
  create
      ->add_option("--verb", c->verb,
                   "cordon, uncordon, drain, evict, scale, restart, restart-pod, label, "
                   "set-resources")
      ->required();
  create->add_option("--target", c->target, "KIND/NAME as kubectl names it, e.g. node/n1")
      ->required();
  create->add_option("-n,--namespace", c->namespace_name, "the target's namespace")
      ->capture_default_str();
  create->add_option("--param", c->params, "KEY=VALUE (VALUE as JSON when it parses), repeatable")
      ->type_name("KEY=VALUE");
  create->add_option("--agent-id", c->agent_id, "only this agent may run it");
  create->add_option("--ttl", c->ttl_seconds, "lifetime in seconds (default: the backend's)");
  create->callback([&action, c] { action = [c] { return c->run(); }; });

  auto* get = action_cmd->add_subcommand("get", "an action with its state and result");
  auto g = std::make_shared<GetCommand>();
  g->flags.add(*get);
  get->add_option("id", g->id, "the action's id")->required();
  get->callback([&action, g] { action = [g] { return g->run(); }; });

  auto* status = backend.add_subcommand("status", "clusters, agents and recent actions");
  auto s = std::make_shared<StatusCommand>();
  s->flags.add(*status);
  status->callback([&action, s] { action = [s] { return s->run(); }; });
}

}  // namespace keelson::cli
