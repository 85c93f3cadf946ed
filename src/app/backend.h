#pragma once

// `keelson backend`: the reference backend's long-running process. Opens the storage, serves the
// agent protocol and the operator API (backend/routes.h) with /healthz, /readyz and /metrics,
// and stops gracefully when asked.

#include <chrono>
#include <filesystem>
#include <stop_token>
#include <string>

#include "backend/credentials.h"
#include "backend/service.h"
#include "server/server.h"

namespace keelson::app {

/// What runBackend needs.
struct BackendOptions {
  /// Address and port (others are set by runBackend: request_deadline above the long-poll cap,
  /// worker_threads for concurrent long polls, the authenticator and authorizer).
  server::ServerOptions server;
  std::string tls_cert_file;  ///< PEM serving certificate; "" with tls_key_file "": plain HTTP.
  std::string tls_key_file;   ///< Its private key (PEM).
  /// Serve plain HTTP; without it and without TLS files runBackend refuses to start.
  bool insecure_listen = false;
  std::filesystem::path database;  ///< <state-dir>/backend.db
  backend::BackendKeys keys;       ///< API_KEY and OPERATOR_TOKEN.
  backend::BackendSettings settings;
  std::chrono::milliseconds drain{5000};  ///< How long in-flight requests may finish on stop.
};

/// The server's deadline per request: above BackendSettings::max_poll_wait (30 s), so a long
/// poll always answers before it.
inline constexpr std::chrono::seconds kBackendRequestDeadline{40};
/// Worker threads: each waiting long poll holds one.
inline constexpr unsigned kBackendWorkerThreads = 16;

/// Runs the backend until `stop` is requested, then ends the long polls, drains and returns 0.
/// Throws Error(kBadInput) for missing or unusable TLS files, neither TLS nor insecure_listen,
/// unusable keys (backend::checkKeys) or a database that is not a backend's; Error(kUnavailable)
/// when the address cannot be bound or the database cannot be written.
int runBackend(const BackendOptions& options, std::stop_token stop);

}  // namespace keelson::app
