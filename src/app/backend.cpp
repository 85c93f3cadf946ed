#include "app/backend.h"

#include <memory>
#include <string>
#include <vector>

#include "backend/credentials.h"
#include "backend/push.h"
#include "backend/routes.h"
#include "backend/storage.h"
#include "core/error.h"
#include "core/log.h"
#include "server/tls.h"

namespace keelson::app {
namespace {

// The TLS source, or null for plain HTTP when the operator asked for it.
server::TlsContextSource tlsSource(const BackendOptions& options) {
  const bool files = !options.tls_cert_file.empty() || !options.tls_key_file.empty();
  if (!files) {
    if (options.insecure_listen) return nullptr;
    throw Error(ErrorCode::kBadInput,
                "keelson backend serves API keys and signed actions: give --tls-cert-file and "
                "--tls-key-file, or --insecure-listen for plain HTTP (tests, a local network)");
  }
  if (options.tls_cert_file.empty() || options.tls_key_file.empty()) {
    throw Error(ErrorCode::kBadInput, "--tls-cert-file and --tls-key-file go together");
  }
  server::TlsOptions tls;
  tls.cert_file = options.tls_cert_file;
  tls.key_file = options.tls_key_file;
  auto provider = std::make_shared<server::TlsContextProvider>(std::move(tls));
  return [provider] { return provider->current(); };
}

}  // namespace

int runBackend(const BackendOptions& options, std::stop_token stop) {
  backend::checkKeys(options.keys);
  if (options.settings.secret_key.empty()) {
    throw Error(ErrorCode::kBadInput, "no secret key (SECRET_KEY) to sign actions with");
  }
  server::ServerOptions server_options = options.server;
  server_options.tls = tlsSource(options);
  server_options.request_deadline = kBackendRequestDeadline;
  server_options.worker_threads = kBackendWorkerThreads;
  server_options.authenticator = backend::makeKeyAuthenticator(options.keys);
  server_options.authorizer = backend::makeAudienceAuthorizer();
  auto registry = std::make_shared<server::Registry>();
  server_options.registry = registry;

  backend::Storage storage = backend::Storage::open(options.database);
  backend::Backend service(storage, options.settings);
  server::Router router;
  server::addHealthRoutes(router, [] { return std::vector<std::string>{}; });
  // Open like the health routes: counters only, for a Prometheus without the backend's keys.
  server::RouteOptions open;
  open.open = true;
  router.get(
      "/metrics",
      [registry](const server::Request&) {
        return server::Response::text(registry->serialize(),
                                      std::string(server::kPrometheusContentType));
      },
      open);
  backend::addBackendRoutes(router, service, *registry);
  backend::PushChannel push(service, *registry);
  router.websocket("/v1/ws", push.handler(), backend::accessFor(backend::Audience::kAgent));
  server::Server server(server_options, std::move(router));
  server.start();
  core::logEvent(spdlog::level::info, "keelson backend: listening",
                 {{"scheme", server_options.tls ? "https" : "http"},
                  {"address", server_options.address},
                  {"port", server.port()},
                  {"database", options.database.string()}});

  core::systemClock()->sleepUntil(core::SteadyTime::max(), std::move(stop));
  core::logEvent(spdlog::level::info, "keelson backend: stopping",
                 {{"drain_ms", options.drain.count()}});
  service.shutdown();  // long polls answer now, so the drain is short
  push.stop();         // WebSocket connections close
  server.stop(options.drain);
  core::logEvent(spdlog::level::info, "keelson backend: stopped");
  return 0;
}

}  // namespace keelson::app
