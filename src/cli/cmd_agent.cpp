// keelson agent: the in-cluster end of the backend link (app/agent.h, docs/protocol.md).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "app/agent.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "cli/secrets.h"
#include "core/error.h"
#include "core/signals.h"
#include "link/verify.h"

namespace keelson::cli {
namespace {

// A secret from its file (trailing newlines dropped), else from the environment variable.
std::string secret(const std::string& file, const char* variable, const char* flag) {
  if (file.empty()) {
    const char* value = std::getenv(variable);
    return value == nullptr ? "" : value;
  }
  return readFileText(flag, file);
}

std::vector<std::string> splitList(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

struct AgentCommand {
  explicit AgentCommand(const KubeFlags& kube_flags) : kube(kube_flags) {}

  const KubeFlags& kube;
  StateFlags state;
  std::string backend_url;
  std::string backend_ws_url;
  std::string api_key_file;
  std::string secret_key_file;
  std::string cluster_id;
  std::string agent_id;
  std::string collection_interval = "60s";
  std::string action_poll_interval = "10s";
  std::int64_t batch_size = 100;
  std::int64_t buffer_max_bytes = 64LL << 20;
  std::string allow_actions = "cordon,uncordon,scale,restart,label";
  std::string deny_namespaces;
  std::string ca_file;
  std::string client_cert_file;
  std::string client_key_file;
  std::string address = "0.0.0.0";
  int port = 8082;
  std::string drain_timeout = "10s";

  int run() const {
    app::AgentOptions o;
    o.backend.url = backend_url;
    o.backend.api_key = secret(api_key_file, "API_KEY", "--api-key-file");
    o.secret_key = secret(secret_key_file, "SECRET_KEY", "--secret-key-file");
    o.cluster_id = cluster_id;
    std::vector<std::string> missing;
    if (o.backend.url.empty()) missing.emplace_back("BACKEND_URL (--backend-url)");
    if (o.backend.api_key.empty()) missing.emplace_back("API_KEY (or --api-key-file)");
    if (o.secret_key.empty()) missing.emplace_back("SECRET_KEY (or --secret-key-file)");
    if (o.cluster_id.empty()) missing.emplace_back("CLUSTER_ID (--cluster-id)");
    if (!missing.empty()) {
      throw Error(ErrorCode::kBadInput,
                  fmt::format("missing configuration: {}", fmt::join(missing, ", ")));
    }
    o.backend_ws_url = backend_ws_url;
    o.backend.ca_file = ca_file;
    o.backend.client_cert_file = client_cert_file;
    o.backend.client_key_file = client_key_file;
    o.agent_id = agent_id;
    o.collection_interval = std::chrono::ceil<std::chrono::seconds>(
        parseDurationFlag("--collection-interval/COLLECTION_INTERVAL", collection_interval));
    o.action_poll_interval = std::chrono::ceil<std::chrono::seconds>(
        parseDurationFlag("--action-poll-interval/ACTION_POLL_INTERVAL", action_poll_interval));
    if (batch_size < 1) throw Error(ErrorCode::kBadInput, "--batch-size/BATCH_SIZE: must be >= 1");
    o.batch_size = static_cast<std::size_t>(batch_size);
    if (buffer_max_bytes < 1) {
      throw Error(ErrorCode::kBadInput, "--buffer-max-bytes: must be >= 1");
    }
    o.buffer_max_bytes = static_cast<std::uint64_t>(buffer_max_bytes);
    o.state_dir = state.path();
    o.policy.allowed_verbs = link::parseAllowedVerbs(allow_actions);
    for (const std::string& ns : splitList(deny_namespaces)) o.policy.denied_namespaces.insert(ns);
    o.kube = kube.configOptions();
    o.api_timeout = kube.requestTimeout(std::chrono::seconds(10));
    o.address = address;
    o.port = portFlag("--port", port);
    o.drain_timeout =
        parseDurationFlag("--drain-timeout", drain_timeout, {.min = std::chrono::milliseconds(0)});
    const core::StopOnSignals signals;
    return app::runAgent(o, signals.token());
  }
};

}  // namespace

void addAgentCommand(CLI::App& app, Action& action, const KubeFlags& kube) {
  auto* cmd = app.add_subcommand(
      "agent",
      "connect this cluster to a backend: register, heartbeat, send metric batches, run the "
      "signed actions the local policy allows");
  auto c = std::make_shared<AgentCommand>(kube);
  cmd->add_option("--backend-url", c->backend_url, "the backend's HTTPS URL")
      ->envname("BACKEND_URL");
  cmd->add_option("--backend-ws-url", c->backend_ws_url,
                  "the backend's WebSocket URL for pushed actions (wss://...); without it the "
                  "agent long-polls")
      ->envname("BACKEND_WS_URL");
  cmd->add_option("--api-key-file", c->api_key_file,
                  "a file holding the backend's API key (else $API_KEY)");
  cmd->add_option("--secret-key-file", c->secret_key_file,
                  "a file holding the HMAC key of signed actions (else $SECRET_KEY)");
  cmd->add_option("--cluster-id", c->cluster_id, "this cluster's id at the backend")
      ->envname("CLUSTER_ID");
  cmd->add_option("--agent-id", c->agent_id,
                  "this agent's id (default: a UUID made once and kept in the state directory)")
      ->envname("AGENT_ID");
  cmd->add_option("--collection-interval", c->collection_interval,
                  "time between collections (a bare number is seconds)")
      ->envname("COLLECTION_INTERVAL")
      ->check(durationValidator("--collection-interval"))
      ->capture_default_str();
  cmd->add_option("--action-poll-interval", c->action_poll_interval,
                  "the long poll's wait for actions")
      ->envname("ACTION_POLL_INTERVAL")
      ->check(durationValidator("--action-poll-interval"))
      ->capture_default_str();
  cmd->add_option("--batch-size", c->batch_size, "items per metric batch")
      ->envname("BATCH_SIZE")
      ->capture_default_str();
  cmd->add_option("--buffer-max-bytes", c->buffer_max_bytes,
                  "the outbox's bound on disk; past it the oldest batches are dropped (counted)")
      ->capture_default_str();
  cmd->add_option("--allow-actions", c->allow_actions,
                  "verbs signed actions may use, comma-separated, or * (the backend cannot "
                  "widen this)")
      ->capture_default_str();
  cmd->add_option("--deny-namespaces", c->deny_namespaces,
                  "namespaces no signed action may target, comma-separated");
  cmd->add_option("--backend-ca-file", c->ca_file, "trust only this CA for the backend (PEM)");
  cmd->add_option("--backend-client-cert-file", c->client_cert_file,
                  "a client certificate for mTLS (PEM)");
  cmd->add_option("--backend-client-key-file", c->client_key_file, "its private key (PEM)");
  cmd->add_option("--address", c->address, "listen address of /healthz, /readyz, /metrics")
      ->capture_default_str();
  cmd->add_option("--port", c->port, "port of /healthz, /readyz, /metrics (0: any free one)")
      ->capture_default_str();
  cmd->add_option("--drain-timeout", c->drain_timeout,
                  "on SIGTERM: how long the running action and the outbox flush may take")
      ->check(durationValidator("--drain-timeout", {.min = std::chrono::milliseconds(0)}))
      ->capture_default_str();
  c->state.add(*cmd);
  cmd->callback([&action, c] { action = [c] { return c->run(); }; });
}

}  // namespace keelson::cli
