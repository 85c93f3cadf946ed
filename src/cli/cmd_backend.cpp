// keelson backend: the reference backend the in-cluster agent talks to (app/backend.h); its
// operator subcommands are in cmd_backend_client.cpp.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "app/backend.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "cli/secrets.h"
#include "core/error.h"
#include "core/signals.h"

namespace keelson::cli {

namespace {

// Durations of the backend's flags: whole seconds from 1 s.
const DurationRange kBackendDurations{.min = std::chrono::seconds(1)};

struct BackendCommand {
  std::string address = "0.0.0.0";
  int port = 8443;
  bool insecure_listen = false;
  std::string tls_cert_file;
  std::string tls_key_file;
  StateFlags state;
  std::string heartbeat_interval = "30s";
  std::string action_ttl = "5m";
  std::string drain = "5s";
  std::string agent_config_file;
  SecretSource api_key{"API_KEY", "--api-key-file", ""};
  SecretSource secret_key{"SECRET_KEY", "--secret-key-file", ""};
  SecretSource operator_token{"OPERATOR_TOKEN", "--operator-token-file", ""};

  int run() const {
    std::vector<std::string> missing;
    app::BackendOptions options;
    options.keys.api_keys = {secretFromFileOrEnv(api_key, missing)};
    options.settings.secret_key = secretFromFileOrEnv(secret_key, missing);
    options.keys.operator_tokens = {secretFromFileOrEnv(operator_token, missing)};
    requireSecrets("keelson backend", missing);
    options.server.address = address;
    options.server.port = portFlag("--port", port);
    options.tls_cert_file = tls_cert_file;
    options.tls_key_file = tls_key_file;
    options.insecure_listen = insecure_listen;
    options.database = state.path() / "backend.db";
    options.settings.heartbeat_interval = seconds("--heartbeat-interval", heartbeat_interval);
    options.settings.action_ttl = seconds("--action-ttl", action_ttl);
    if (!agent_config_file.empty()) options.settings.agent_config = agentConfig();
    options.drain = parseDurationFlag("--drain-timeout", drain, {.min = {}});
    // Signals become a stop request before any thread starts (threads inherit the mask).
    const core::StopOnSignals signals;
    return app::runBackend(options, signals.token());
  }

  nlohmann::json agentConfig() const {
    const std::string text = readFileText("--agent-config", agent_config_file);
    nlohmann::json config = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!config.is_object()) {
      throw Error(ErrorCode::kBadInput,
                  "--agent-config " + agent_config_file + ": expected one JSON object");
    }
    return config;
  }

  static std::chrono::seconds seconds(const std::string& flag, const std::string& text) {
    return std::chrono::duration_cast<std::chrono::seconds>(
        parseDurationFlag(flag, text, kBackendDurations));
  }
};

}  // namespace

void addBackendCommand(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand(
      "backend",
      "the reference backend: agents register, send metrics and long-poll for signed actions");
  cmd->require_subcommand(0, 1);
  auto c = std::make_shared<BackendCommand>();
  cmd->add_option("--address", c->address, "listen address")->capture_default_str();
  cmd->add_option("--port", c->port, "listen port (0: any free port)")->capture_default_str();
  cmd->add_flag("--insecure-listen", c->insecure_listen,
                "serve plain HTTP (without it, --tls-cert-file and --tls-key-file are required)");
  cmd->add_option("--tls-cert-file", c->tls_cert_file, "serving certificate (PEM)");
  cmd->add_option("--tls-key-file", c->tls_key_file, "private key of --tls-cert-file (PEM)");
  c->state.add(*cmd);
  cmd->add_option("--heartbeat-interval", c->heartbeat_interval,
                  "heartbeat interval agents are told to keep")
      ->capture_default_str()
      ->check(durationValidator("--heartbeat-interval", kBackendDurations));
  cmd->add_option("--action-ttl", c->action_ttl, "an action's lifetime unless ttlSeconds is given")
      ->capture_default_str()
      ->check(durationValidator("--action-ttl", kBackendDurations));
  cmd->add_option("--drain-timeout", c->drain, "on SIGTERM, how long in-flight requests may finish")
      ->capture_default_str();
  cmd->add_option("--agent-config", c->agent_config_file,
                  "JSON object given to agents as their config (default {})")
      ->type_name("FILE");
  cmd->add_option("--api-key-file", c->api_key.file, "file holding API_KEY (the agents' key)")
      ->type_name("FILE");
  cmd->add_option("--secret-key-file", c->secret_key.file,
                  "file holding SECRET_KEY (signs actions)")
      ->type_name("FILE");
  cmd->add_option("--operator-token-file", c->operator_token.file,
                  "file holding OPERATOR_TOKEN (the operator API's token)")
      ->type_name("FILE");
  addBackendClientCommands(*cmd, action);
  cmd->callback([cmd, &action, c] {
    if (cmd->get_subcommands().empty()) action = [c] { return c->run(); };
  });
}

}  // namespace keelson::cli
