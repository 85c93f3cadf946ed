#pragma once
// TLS for `keelson serve`: the server certificate (from files that may be rotated, or a
// self-signed one made at start), optional client-certificate requests against a CA bundle, and
// the identity in a verified client certificate.

#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "server/auth.h"

namespace keelson::server {

/// Where the serving certificate and the client CA come from.
struct TlsOptions {
  std::string cert_file{};  ///< PEM certificate chain (leaf first), e.g. --tls-cert-file.
  std::string key_file{};   ///< PEM private key of the leaf, e.g. --tls-private-key-file.
  /// PEM bundle of CAs whose client certificates are accepted (--client-ca-file); "": no client
  /// certificates are asked for.
  std::string client_ca_file{};
  /// DNS names or IP literals put into a self-signed certificate's subjectAltName, besides
  /// "localhost" and 127.0.0.1.
  std::vector<std::string> self_signed_hosts{};
  /// How often current() may look at the files' mtime and size (0: on every call; tests).
  std::chrono::milliseconds reload_check_interval{1000};
  /// The clock reload_check_interval is measured on.
  std::shared_ptr<const core::Clock> clock = core::systemClock();
};

/// Hands out the server's TLS context: TLS 1.2 or newer, the serving certificate, and, with a
/// client CA, a request for a client certificate (verify_peer without fail_if_no_peer_cert, so
/// bearer-token clients still connect; a presented certificate that does not verify fails the
/// handshake).
///
/// Thread-safety: current() and selfSigned() may be called from any thread.
class TlsContextProvider {
 public:
  /// Loads cert_file and key_file when both are set, else generates a self-signed EC P-256
  /// certificate in memory (subjectAltName = self_signed_hosts + "localhost" + 127.0.0.1, valid
  /// for one year; its SHA-256 fingerprint is logged at info level). Loads client_ca_file when set.
  /// Throws Error(kBadInput) naming the file for an unreadable or invalid file, a key that does
  /// not match the certificate, or only one of cert_file and key_file set.
  explicit TlsContextProvider(TlsOptions options);

  TlsContextProvider(const TlsContextProvider&) = delete;
  TlsContextProvider& operator=(const TlsContextProvider&) = delete;

  /// The context for a new connection. Re-reads cert_file, key_file and client_ca_file (those
  /// that are set) when one of them changed (device, inode, size or mtime; looked at no more than
  /// once per reload_check_interval), so a rotated certificate or CA bundle (cert-manager, a
  /// Secret volume) takes effect for new connections; existing connections keep theirs. A reload
  /// that fails keeps the previous context and logs one warning per changed file state. Never
  /// throws. Thread-safe.
  std::shared_ptr<boost::asio::ssl::context> current();

  /// True when the certificate is the generated self-signed one.
  bool selfSigned() const noexcept { return self_signed_; }

  /// The SHA-256 fingerprint of the leaf certificate currently served: 64 lower-case hex
  /// characters. Thread-safe.
  std::string fingerprint() const;

 private:
  struct FileStamp {
    bool exists = false;
    unsigned long long device = 0;
    unsigned long long inode = 0;
    long long size = 0;
    long long mtime_ns = 0;
    friend bool operator==(const FileStamp&, const FileStamp&) = default;
  };
  using Stamps = std::vector<FileStamp>;

  Stamps stampFiles() const;
  std::shared_ptr<boost::asio::ssl::context> load() const;
  void reloadIfChanged();

  const TlsOptions options_;
  const bool self_signed_;
  std::shared_ptr<X509> self_signed_cert_;     // set when self_signed_
  std::shared_ptr<EVP_PKEY> self_signed_key_;  // set when self_signed_
  mutable std::mutex mutex_;
  std::shared_ptr<boost::asio::ssl::context> context_;
  core::SteadyTime last_check_;
  Stamps loaded_;  // stamps of the files context_ was built from
  Stamps failed_;  // stamps of the last state that failed to load (warned about once)
};

/// The identity in the verified peer certificate of the server-side connection `ssl`: the
/// subject's CN as username (the last CN, like Go's crypto/x509), its O entries as groups.
/// nullopt when `ssl` is null, the context does not verify peers, there is no peer certificate,
/// its verification did not succeed, or it has no CN. Thread-safe for distinct connections.
std::optional<UserInfo> clientCertificateUser(SSL* ssl);

}  // namespace keelson::server
