#include "server/tls.h"

#include <openssl/x509.h>

namespace keelson::server {
namespace {

std::vector<std::string> subjectEntries(X509_NAME* name, int nid) {
  std::vector<std::string> out;
  for (int i = X509_NAME_get_index_by_NID(name, nid, -1); i >= 0;
       i = X509_NAME_get_index_by_NID(name, nid, i)) {
    const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
    unsigned char* utf8 = nullptr;
    const int length = ASN1_STRING_to_UTF8(&utf8, data);
    if (length >= 0) out.emplace_back(reinterpret_cast<const char*>(utf8), length);
    OPENSSL_free(utf8);
  }
  return out;
}

}  // namespace

std::optional<UserInfo> clientCertificateUser(SSL* ssl) {
  if (ssl == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return std::nullopt;
  const std::unique_ptr<X509, decltype(&X509_free)> cert(SSL_get1_peer_certificate(ssl),
                                                         &X509_free);
  if (!cert) return std::nullopt;
  X509_NAME* subject = X509_get_subject_name(cert.get());
  auto names = subjectEntries(subject, NID_commonName);
  if (names.empty() || names.front().empty()) return std::nullopt;
  UserInfo user;
  user.username = names.front();
  user.groups = subjectEntries(subject, NID_organizationName);
  return user;
}

}  // namespace keelson::server
