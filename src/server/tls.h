#pragma once
// TLS serving for keelson's HTTP server: the certificate (from files, reloaded when they change,
// or self-signed) and the identity in a verified client certificate.

#include <openssl/ssl.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server/auth.h"

namespace boost::asio::ssl {
class context;
}

namespace keelson::server {

/// The identity in `ssl`'s peer certificate when it was presented and verified against the
/// client CA (subject CN: username, each O: a group); nullopt otherwise or for a null `ssl`.
/// Thread-safe for distinct connections.
std::optional<UserInfo> clientCertificateUser(SSL* ssl);

}  // namespace keelson::server
