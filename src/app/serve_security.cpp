#include "app/serve_security.h"

#include <spdlog/spdlog.h>

#include <memory>
#include <vector>

#include "core/error.h"
#include "core/log.h"
#include "host/hostname.h"
#include "server/tls.h"

namespace keelson::app {

void validateSecurity(const ServeSecurityOptions& options) {
  if (options.authentication != "delegated" && options.authentication != "none") {
    throw Error(ErrorCode::kBadInput, "--authentication: \"" + options.authentication +
                                          "\" is not a mode (expected delegated or none)");
  }
  if (options.tls_cert_file.empty() != options.tls_private_key_file.empty()) {
    throw Error(ErrorCode::kBadInput,
                "--tls-cert-file and --tls-private-key-file: give both or neither");
  }
  if (!options.client_ca_file.empty() && options.authentication == "none") {
    throw Error(ErrorCode::kBadInput,
                "--client-ca-file: client certificates need --authentication=delegated");
  }
}

void applySecurity(const ServeSecurityOptions& options, const kube::Client& client, bool in_cluster,
                   server::ServerOptions& server) {
  validateSecurity(options);
  const bool from_files = !options.tls_cert_file.empty();
  if (from_files || in_cluster) {
    server::TlsOptions tls;
    tls.cert_file = options.tls_cert_file;
    tls.key_file = options.tls_private_key_file;
    tls.client_ca_file = options.client_ca_file;
    if (const auto name = host::processHostName(); !name.empty())
      tls.self_signed_hosts.push_back(name);
    auto provider = std::make_shared<server::TlsContextProvider>(tls);
    if (provider->selfSigned()) {
      core::logEvent(
          spdlog::level::info,
          "keelson serve: no --tls-cert-file; serving HTTPS with a self-signed certificate");
    }
    server.tls = [provider] { return provider->current(); };
  } else if (!options.client_ca_file.empty()) {
    throw Error(ErrorCode::kBadInput,
                "--client-ca-file: client certificates need TLS (--tls-cert-file and "
                "--tls-private-key-file, or running in a cluster)");
  }
  if (options.authentication == "none") {
    core::logEvent(spdlog::level::warn,
                   "keelson serve: --authentication=none: anyone who reaches this port reads "
                   "every namespace's pods, events and the host's processes");
    return;
  }
  server::DelegatedAuthOptions reviews;
  reviews.token_cache_ttl = options.token_cache_ttl;
  reviews.authorized_ttl = options.authorized_ttl;
  reviews.unauthorized_ttl = options.unauthorized_ttl;
  server.authenticator = server::makeDelegatedAuthenticator(client, reviews);
  server.authorizer = server::makeDelegatedAuthorizer(client, reviews);
}

}  // namespace keelson::app
