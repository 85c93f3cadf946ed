// keelson serve: the in-cluster diagnosis API over a watch-fed cache (app/serve.h).
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "app/serve.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "core/error.h"
#include "core/log.h"
#include "core/signals.h"
#include "server/config.h"

namespace keelson::cli {
namespace {

// serve's durations may be zero (no drain, no verdict cache); a bare number is seconds.
const DurationRange kServeDurations{.min = std::chrono::milliseconds(0)};

struct ServeCommand {
  explicit ServeCommand(const KubeFlags& kube_flags) : kube(kube_flags) {}

  const KubeFlags& kube;
  HostFlags host;
  std::string address = "0.0.0.0";
  int port = 8080;
  std::string node;
  std::string k8s_timeout;
  std::string read_timeout = "10s";
  std::string write_timeout = "10s";
  std::string request_deadline = "500ms";
  std::string drain = "5s";
  std::string host_refresh = "15s";
  std::string metrics_refresh = "15s";
  std::string test_handler_delay;
  std::string max_staleness = "5m";
  std::string token_cache_ttl = "10s";
  std::string authorized_ttl = "10s";
  std::string unauthorized_ttl = "10s";
  app::ServeSecurityOptions security;
  int restart_threshold = 5;
  CollectorFlags collectors;
  // The spec's logging defaults (info, json) apply to serve when neither the global flag nor
  // the environment chose; other commands keep keelson's quieter default.
  bool default_logging = false;
  std::string log_level;
  std::string log_format;

  int run() const {
    if (default_logging) core::setupLogging(log_level, log_format);
    app::ServeOptions options;
    options.kube = kube.configOptions();
    options.api_timeout = k8s_timeout.empty() ? kube.requestTimeout(std::chrono::seconds(30))
                                              : duration("--k8s-timeout", k8s_timeout);
    options.node_name = node;
    options.server.address = address;
    options.server.port = portFlag("--port/PORT", port);
    options.server.read_timeout = duration("--read-timeout", read_timeout);
    options.server.write_timeout = duration("--write-timeout", write_timeout);
    options.server.request_deadline = duration("--request-deadline", request_deadline);
    options.pod_restart_threshold =
        checkRestartThreshold("--pod-restart-threshold/POD_RESTART_THRESHOLD", restart_threshold);
    options.host.host_root = host.host_root;
    options.host.interval = host.interval();
    options.host_refresh = duration("--host-refresh", host_refresh);
    options.host.collectors = collectors.resolve(std::getenv);
    options.serve_host = collectors.hostEnabled(std::getenv);
    options.metrics_refresh = duration("--metrics-refresh", metrics_refresh);
    if (!test_handler_delay.empty()) {
      options.test_handler_delay = duration("--test-handler-delay", test_handler_delay);
    }
    options.drain = duration("--drain-timeout", drain);
    options.max_staleness = duration("--max-staleness", max_staleness);
    options.security = security;
    options.security.token_cache_ttl =
        seconds("--authentication-token-webhook-cache-ttl", token_cache_ttl);
    options.security.authorized_ttl =
        seconds("--authorization-webhook-cache-authorized-ttl", authorized_ttl);
    options.security.unauthorized_ttl =
        seconds("--authorization-webhook-cache-unauthorized-ttl", unauthorized_ttl);
    app::validateSecurity(options.security);
    // Signals become a stop request before any thread starts (threads inherit the mask).
    const core::StopOnSignals signals;
    return app::runServe(options, signals.token());
  }

  static std::chrono::milliseconds duration(const std::string& flag, const std::string& text) {
    return parseDurationFlag(flag, text, kServeDurations);
  }
  static std::chrono::seconds seconds(const std::string& flag, const std::string& text) {
    return std::chrono::duration_cast<std::chrono::seconds>(duration(flag, text));
  }
};

}  // namespace

void addServeCommand(CLI::App& app, Action& action, const KubeFlags& kube) {
  auto* cmd = app.add_subcommand(
      "serve", "the diagnosis API (pods' scheduling and resources, cluster, host, /metrics)");
  auto c = std::make_shared<ServeCommand>(kube);
  c->host.add(*cmd);
  cmd->add_option("--address", c->address, "listen address")->capture_default_str();
  cmd->add_option("--port", c->port, "listen port (0: any free port)")
      ->envname("PORT")
      ->capture_default_str();
  cmd->add_option("--node", c->node, "node mode (DaemonSet): cache only this node and its pods")
      ->envname("NODE_NAME");
  cmd->add_option("--k8s-timeout", c->k8s_timeout,
                  "Kubernetes API request timeout, e.g. 30s (overrides --request-timeout)")
      ->envname("K8S_TIMEOUT")
      ->check(durationValidator("--k8s-timeout", kServeDurations));
  cmd->add_option("--read-timeout", c->read_timeout, "reading one request, e.g. 10s")
      ->envname("READ_TIMEOUT")
      ->capture_default_str()
      ->check(durationValidator("--read-timeout", kServeDurations));
  cmd->add_option("--write-timeout", c->write_timeout, "writing one response, e.g. 10s")
      ->envname("WRITE_TIMEOUT")
      ->capture_default_str()
      ->check(durationValidator("--write-timeout", kServeDurations));
  cmd->add_option("--request-deadline", c->request_deadline,
                  "per-request deadline (REQUEST_TIMEOUT after it)")
      ->capture_default_str()
      ->check(durationValidator("--request-deadline", kServeDurations));
  cmd->add_option("--drain-timeout", c->drain, "on SIGTERM, how long in-flight requests may finish")
      ->capture_default_str()
      ->check(durationValidator("--drain-timeout", kServeDurations));
  cmd->add_option("--host-refresh", c->host_refresh, "time between host captures")
      ->capture_default_str()
      ->check(durationValidator("--host-refresh", kServeDurations));
  cmd->add_option("--metrics-refresh", c->metrics_refresh,
                  "time between metrics.k8s.io node listings (node utilization)")
      ->capture_default_str()
      ->check(durationValidator("--metrics-refresh", kServeDurations));
#ifdef KEELSON_TEST_HOOKS
  // Test builds only: GET /api/v1/test/slow sleeps this long, to test the request deadline.
  cmd->add_option("--test-handler-delay", c->test_handler_delay)
      ->group("")
      ->check(durationValidator("--test-handler-delay", kServeDurations));
#endif
  c->collectors.add(*cmd, /*host_switch=*/true);
  cmd->add_option("--max-staleness", c->max_staleness,
                  "after the first sync, /readyz stays 200 during an API server outage until the "
                  "cache is this old")
      ->capture_default_str()
      ->check(durationValidator("--max-staleness", kServeDurations));
  cmd->add_option("--authentication", c->security.authentication,
                  "delegated: bearer tokens (TokenReview) or client certificates, and a "
                  "SubjectAccessReview per request; none: no checks (a laptop, never a cluster)")
      ->check(CLI::IsMember({"delegated", "none"}))
      ->capture_default_str();
  cmd->add_option("--tls-cert-file", c->security.tls_cert_file,
                  "serving certificate (PEM, reloaded when it changes); in a cluster without it, "
                  "a self-signed one is generated");
  cmd->add_option("--tls-private-key-file", c->security.tls_private_key_file,
                  "private key of --tls-cert-file (PEM)");
  cmd->add_option("--client-ca-file", c->security.client_ca_file,
                  "CA bundle: client certificates it signed authenticate as CN (user) and O "
                  "(groups)");
  cmd->add_option("--authentication-token-webhook-cache-ttl", c->token_cache_ttl,
                  "how long a TokenReview verdict is reused")
      ->capture_default_str()
      ->check(durationValidator("--authentication-token-webhook-cache-ttl", kServeDurations));
  cmd->add_option("--authorization-webhook-cache-authorized-ttl", c->authorized_ttl,
                  "how long an allowed SubjectAccessReview verdict is reused")
      ->capture_default_str()
      ->check(durationValidator("--authorization-webhook-cache-authorized-ttl", kServeDurations));
  cmd->add_option("--authorization-webhook-cache-unauthorized-ttl", c->unauthorized_ttl,
                  "how long a denied SubjectAccessReview verdict is reused")
      ->capture_default_str()
      ->check(durationValidator("--authorization-webhook-cache-unauthorized-ttl", kServeDurations));
  cmd->add_option("--pod-restart-threshold", c->restart_threshold,
                  "restart count above which a pod is reported (namespace analysis)")
      ->envname("POD_RESTART_THRESHOLD")
      ->capture_default_str();
  cmd->callback([&app, &action, c] {
    // What main chose, unless it came from keelson's own default.
    const auto choice = [&app](const char* flag, const char* env, const char* fallback) {
      const char* value = std::getenv(env);
      const bool chosen = app.get_option(flag)->count() > 0 || (value != nullptr && *value != '\0');
      return chosen ? app.get_option(flag)->as<std::string>() : std::string(fallback);
    };
    c->log_level = choice("--log-level", "LOG_LEVEL", "info");
    c->log_format = choice("--log-format", "LOG_FORMAT", "json");
    c->default_logging = true;
    action = [c] { return c->run(); };
  });
}

}  // namespace keelson::cli
