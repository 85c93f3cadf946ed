#pragma once
// Test certificates made with the OpenSSL API: a CA, and leaves (server or client) it signs, as
// PEM text. Independent of server/tls.cpp's own generator.

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace keelson::testing {

/// A key pair and its certificate.
struct TestCert {
  std::shared_ptr<EVP_PKEY> key;
  std::shared_ptr<X509> cert;

  std::string certPem() const {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, cert.get());
    return drain(bio);
  }
  std::string keyPem() const {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    return drain(bio);
  }
  /// SHA-256 of the DER certificate, lower-case hex.
  std::string fingerprint() const { return fingerprintOf(cert.get()); }

  static std::string fingerprintOf(X509* cert) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    X509_digest(cert, EVP_sha256(), digest.data(), &length);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < length; ++i) {
      out.push_back(kHex[digest[i] >> 4]);
      out.push_back(kHex[digest[i] & 0xf]);
    }
    return out;
  }

 private:
  static std::string drain(BIO* bio) {
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<std::size_t>(size));
    BIO_free(bio);
    return out;
  }
};

inline void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test certificate: ") + what);
}

inline void addExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx{};
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  check(ext != nullptr && X509_add_ext(cert, ext, -1) == 1, "extension");
  X509_EXTENSION_free(ext);
}

/// What a test certificate says about itself.
struct CertSpec {
  std::string common_name{};
  std::vector<std::string> organizations{};
  bool is_ca = false;
  bool client = false;              ///< extendedKeyUsage clientAuth (else serverAuth).
  std::string subject_alt_names{};  ///< e.g. "DNS:localhost,IP:127.0.0.1".
  long serial = 1;
  bool rsa = false;  ///< RSA 2048 instead of EC P-256.
};

/// A certificate for `spec`, signed by `issuer` (nullptr: self-signed).
inline TestCert makeCert(const CertSpec& spec, const TestCert* issuer = nullptr) {
  TestCert out;
  out.key.reset(spec.rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256"), EVP_PKEY_free);
  check(out.key != nullptr, "key");
  out.cert.reset(X509_new(), X509_free);
  X509* cert = out.cert.get();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), spec.serial);
  X509_gmtime_adj(X509_getm_notBefore(cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_NAME* name = X509_get_subject_name(cert);
  for (const auto& org : spec.organizations) {
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(org.c_str()), -1, -1, 0);
  }
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1,
                             -1, 0);
  X509* issuer_cert = issuer != nullptr ? issuer->cert.get() : cert;
  X509_set_issuer_name(cert, X509_get_subject_name(issuer_cert));
  X509_set_pubkey(cert, out.key.get());
  if (spec.is_ca) {
    addExt(cert, issuer_cert, NID_basic_constraints, "critical,CA:TRUE");
    addExt(cert, issuer_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    addExt(cert, issuer_cert, NID_basic_constraints, "critical,CA:FALSE");
    addExt(cert, issuer_cert, NID_key_usage, "critical,digitalSignature,keyEncipherment");
    addExt(cert, issuer_cert, NID_ext_key_usage, spec.client ? "clientAuth" : "serverAuth");
  }
  if (!spec.subject_alt_names.empty()) {
    addExt(cert, issuer_cert, NID_subject_alt_name, spec.subject_alt_names.c_str());
  }
  EVP_PKEY* signer = issuer != nullptr ? issuer->key.get() : out.key.get();
  check(X509_sign(cert, signer, EVP_sha256()) != 0, "sign");
  return out;
}

}  // namespace keelson::testing
