#pragma once

// How `keelson serve` protects its API: TLS serving and delegated authentication and
// authorisation through the API server (TokenReview, SubjectAccessReview), as aggregated API
// servers and metrics-server do it.

#include <chrono>
#include <string>

#include "kube/client.h"
#include "server/server.h"

namespace keelson::app {

/// --authentication and the TLS and review-cache flags of `keelson serve`.
struct ServeSecurityOptions {
  /// "delegated" (the default): every route but /healthz and /readyz needs a bearer token
  /// (checked with a TokenReview) or a client certificate (checked against client_ca_file), and
  /// each request a SubjectAccessReview for what it reveals. "none": anyone who reaches the port
  /// reads everything (for a laptop against a kubeconfig; logged as a warning).
  std::string authentication = "delegated";
  std::string tls_cert_file;         ///< --tls-cert-file (PEM), reloaded when it changes.
  std::string tls_private_key_file;  ///< --tls-private-key-file (PEM).
  std::string client_ca_file;        ///< --client-ca-file: CA bundle for client certificates.
  /// --authentication-token-webhook-cache-ttl: how long a TokenReview verdict is reused.
  std::chrono::seconds token_cache_ttl{10};
  /// --authorization-webhook-cache-authorized-ttl: how long an allowed verdict is reused.
  std::chrono::seconds authorized_ttl{10};
  /// --authorization-webhook-cache-unauthorized-ttl: how long a denied verdict is reused.
  std::chrono::seconds unauthorized_ttl{10};
};

/// Throws Error(kBadInput) naming the flag when `options` are inconsistent: an authentication
/// mode other than delegated/none, one of the TLS files without the other, or a client CA with
/// authentication none.
void validateSecurity(const ServeSecurityOptions& options);

/// Sets `server`'s TLS source and authenticator/authorizer from `options`. TLS: the certificate
/// files when given; else, when `in_cluster`, a self-signed certificate generated now; else plain
/// HTTP. Throws Error(kBadInput) naming the file when a certificate, key or CA cannot be loaded.
/// `client` must outlive the server.
void applySecurity(const ServeSecurityOptions& options, const kube::Client& client, bool in_cluster,
                   server::ServerOptions& server);

}  // namespace keelson::app
