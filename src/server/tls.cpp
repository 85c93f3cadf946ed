#include "server/tls.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "core/error.h"
#include "core/log.h"

namespace keelson::server {
namespace {

namespace ssl = boost::asio::ssl;

template <auto Free>
struct OpenSslDeleter {
  template <class T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};
using X509Ptr = std::unique_ptr<X509, OpenSslDeleter<X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter<EVP_PKEY_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<BIO_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpenSslDeleter<BN_free>>;
using NamePtr = std::unique_ptr<X509_NAME, OpenSslDeleter<X509_NAME_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, OpenSslDeleter<GENERAL_NAMES_free>>;

// The oldest error on OpenSSL's thread-local queue, which is then cleared.
std::string openSslError() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  std::array<char, 256> text{};
  ERR_error_string_n(code, text.data(), text.size());
  return text.data();
}

std::string readFile(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw Error(ErrorCode::kBadInput,
                std::string(what) + " " + path + ": cannot read: " + std::strerror(errno));
  }
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) {
    throw Error(ErrorCode::kBadInput, std::string(what) + " " + path + ": read failed");
  }
  return out.str();
}

BioPtr memoryBio(const std::string& data) {
  BioPtr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  if (!bio) throw Error(ErrorCode::kInternal, "BIO_new_mem_buf failed");
  return bio;
}

// Every certificate in a PEM document, in order.
std::vector<X509Ptr> readCertificates(const std::string& pem, const std::string& path,
                                      std::string_view what) {
  BioPtr bio = memoryBio(pem);
  std::vector<X509Ptr> certs;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    certs.emplace_back(cert);
  }
  // The loop ends with "no start line" at the end of the data: expected once certificates were
  // read.
  ERR_clear_error();
  if (certs.empty()) {
    throw Error(ErrorCode::kBadInput,
                std::string(what) + " " + path + ": no PEM certificate found");
  }
  return certs;
}

std::string sha256Fingerprint(X509* cert) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (X509_digest(cert, EVP_sha256(), digest.data(), &length) != 1) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xf]);
  }
  return out;
}

std::shared_ptr<ssl::context> newServerContext() {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  // Required for session resumption when peers are verified.
  static constexpr unsigned char kSessionContext[] = "keelson-serve";
  SSL_CTX_set_session_id_context(context->native_handle(), kSessionContext,
                                 sizeof(kSessionContext) - 1);
  return context;
}

// Trusts the CAs in `path` for client certificates and asks peers for one.
void addClientCa(ssl::context& context, const std::string& path) {
  const std::vector<X509Ptr> cas =
      readCertificates(readFile(path, "client CA file"), path, "client CA file");
  SSL_CTX* native = context.native_handle();
  X509_STORE* store = SSL_CTX_get_cert_store(native);
  for (const X509Ptr& ca : cas) {
    if (X509_STORE_add_cert(store, ca.get()) != 1 || SSL_CTX_add_client_CA(native, ca.get()) != 1) {
      throw Error(ErrorCode::kBadInput, "client CA file " + path + ": " + openSslError());
    }
  }
  context.set_verify_mode(ssl::verify_peer);
}

void addSubjectAltName(GENERAL_NAMES* names, const std::string& host) {
  GENERAL_NAME* name = GENERAL_NAME_new();
  if (name == nullptr) throw Error(ErrorCode::kInternal, "GENERAL_NAME_new failed");
  std::array<unsigned char, 16> address{};
  int address_size = 0;
  if (::inet_pton(AF_INET, host.c_str(), address.data()) == 1) {
    address_size = 4;
  } else if (::inet_pton(AF_INET6, host.c_str(), address.data()) == 1) {
    address_size = 16;
  }
  if (address_size > 0) {
    ASN1_OCTET_STRING* ip = ASN1_OCTET_STRING_new();
    ASN1_OCTET_STRING_set(ip, address.data(), address_size);
    GENERAL_NAME_set0_value(name, GEN_IPADD, ip);
  } else {
    ASN1_IA5STRING* dns = ASN1_IA5STRING_new();
    ASN1_STRING_set(dns, host.data(), static_cast<int>(host.size()));
    GENERAL_NAME_set0_value(name, GEN_DNS, dns);
  }
  sk_GENERAL_NAME_push(names, name);
}

void addExtension(X509* cert, int nid, const char* value) {
  X509V3_CTX v3{};
  X509V3_set_ctx(&v3, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value);
  if (ext == nullptr || X509_add_ext(cert, ext, -1) != 1) {
    X509_EXTENSION_free(ext);
    throw Error(ErrorCode::kInternal, "self-signed certificate: " + openSslError());
  }
  X509_EXTENSION_free(ext);
}

// A self-signed EC P-256 serving certificate, valid for a year from a minute ago.
std::pair<X509Ptr, PkeyPtr> makeSelfSigned(const std::vector<std::string>& hosts) {
  const auto fail = [](std::string_view step) {
    return Error(ErrorCode::kInternal,
                 "self-signed certificate: " + std::string(step) + ": " + openSslError());
  };
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) throw fail("EC key generation");
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), 2) != 1) throw fail("X509_new");

  BignumPtr serial(BN_new());
  if (!serial || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    throw fail("serial number");
  }
  constexpr long kOneYearSeconds = 365L * 24 * 3600;
  if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), kOneYearSeconds) == nullptr) {
    throw fail("validity");
  }
  NamePtr name(X509_NAME_new());
  const std::string common_name = "keelson-serve";
  if (!name ||
      X509_NAME_add_entry_by_txt(name.get(), "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                 -1, 0) != 1 ||
      X509_set_subject_name(cert.get(), name.get()) != 1 ||
      X509_set_issuer_name(cert.get(), name.get()) != 1) {
    throw fail("subject");
  }
  if (X509_set_pubkey(cert.get(), key.get()) != 1) throw fail("public key");

  GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  if (!names) throw fail("subjectAltName");
  std::vector<std::string> all = hosts;
  all.emplace_back("localhost");
  all.emplace_back("127.0.0.1");
  std::vector<std::string> seen;
  for (const std::string& host : all) {
    if (host.empty() || std::find(seen.begin(), seen.end(), host) != seen.end()) continue;
    seen.push_back(host);
    addSubjectAltName(names.get(), host);
  }
  if (X509_add1_ext_i2d(cert.get(), NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) !=
      1) {
    throw fail("subjectAltName");
  }
  addExtension(cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  addExtension(cert.get(), NID_key_usage, "critical,digitalSignature,keyEncipherment");
  addExtension(cert.get(), NID_ext_key_usage, "serverAuth");
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) throw fail("signing");
  return {std::move(cert), std::move(key)};
}

// The last entry of `nid` in `name` (Go's pkix.Name keeps the last CN), or all of them.
std::vector<std::string> nameEntries(X509_NAME* name, int nid) {
  std::vector<std::string> out;
  for (int i = X509_NAME_get_index_by_NID(name, nid, -1); i >= 0;
       i = X509_NAME_get_index_by_NID(name, nid, i)) {
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
    unsigned char* utf8 = nullptr;
    const int length = ASN1_STRING_to_UTF8(&utf8, data);
    if (length < 0) continue;
    out.emplace_back(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(length));
    OPENSSL_free(utf8);
  }
  return out;
}

}  // namespace

TlsContextProvider::TlsContextProvider(TlsOptions options)
    : options_(std::move(options)),
      self_signed_(options_.cert_file.empty() && options_.key_file.empty()) {
  if (options_.cert_file.empty() != options_.key_file.empty()) {
    throw Error(ErrorCode::kBadInput,
                "TLS: a certificate file needs a key file and a key file a certificate file "
                "(cert file \"" +
                    options_.cert_file + "\", key file \"" + options_.key_file + "\")");
  }
  if (self_signed_) {
    auto [cert, key] = makeSelfSigned(options_.self_signed_hosts);
    self_signed_cert_.reset(cert.release(), X509_free);
    self_signed_key_.reset(key.release(), EVP_PKEY_free);
    core::logEvent(spdlog::level::info, "tls: serving a self-signed certificate",
                   {{"sha256_fingerprint", sha256Fingerprint(self_signed_cert_.get())}});
  }
  loaded_ = stampFiles();
  context_ = load();
  last_check_ = options_.clock->steadyNow();
}

std::shared_ptr<ssl::context> TlsContextProvider::current() {
  std::lock_guard lock(mutex_);
  if (!self_signed_ || !options_.client_ca_file.empty()) {
    const auto now = options_.clock->steadyNow();
    if (now - last_check_ >= options_.reload_check_interval) {
      last_check_ = now;
      reloadIfChanged();
    }
  }
  return context_;
}

std::string TlsContextProvider::fingerprint() const {
  std::lock_guard lock(mutex_);
  X509* cert = SSL_CTX_get0_certificate(context_->native_handle());
  return cert == nullptr ? std::string() : sha256Fingerprint(cert);
}

TlsContextProvider::Stamps TlsContextProvider::stampFiles() const {
  Stamps stamps;
  for (const std::string* path :
       {&options_.cert_file, &options_.key_file, &options_.client_ca_file}) {
    FileStamp stamp;
    struct stat info {};
    // stat follows symlinks: a Secret volume swaps its ..data link, and the target changes.
    if (!path->empty() && ::stat(path->c_str(), &info) == 0) {
      stamp.exists = true;
      stamp.device = info.st_dev;
      stamp.inode = info.st_ino;
      stamp.size = info.st_size;
      stamp.mtime_ns =
          static_cast<long long>(info.st_mtim.tv_sec) * 1000000000LL + info.st_mtim.tv_nsec;
    }
    stamps.push_back(stamp);
  }
  return stamps;
}

std::shared_ptr<ssl::context> TlsContextProvider::load() const {
  if (self_signed_) {
    auto context = newServerContext();
    if (SSL_CTX_use_certificate(context->native_handle(), self_signed_cert_.get()) != 1 ||
        SSL_CTX_use_PrivateKey(context->native_handle(), self_signed_key_.get()) != 1) {
      throw Error(ErrorCode::kInternal, "self-signed certificate: " + openSslError());
    }
    if (!options_.client_ca_file.empty()) addClientCa(*context, options_.client_ca_file);
    return context;
  }
  const std::string& cert_path = options_.cert_file;
  const std::string& key_path = options_.key_file;
  const std::string cert_pem = readFile(cert_path, "TLS certificate file");
  const std::string key_pem = readFile(key_path, "TLS key file");
  // Parsed up front so that an invalid file is named in the error.
  const std::vector<X509Ptr> chain = readCertificates(cert_pem, cert_path, "TLS certificate file");
  BioPtr key_bio = memoryBio(key_pem);
  // The callback refuses a passphrase: OpenSSL would otherwise prompt on the terminal.
  PkeyPtr key(PEM_read_bio_PrivateKey(
      key_bio.get(), nullptr, [](char*, int, int, void*) { return 0; }, nullptr));
  if (!key) {
    throw Error(
        ErrorCode::kBadInput,
        "TLS key file " + key_path + ": no unencrypted PEM private key (" + openSslError() + ")");
  }
  if (X509_check_private_key(chain.front().get(), key.get()) != 1) {
    ERR_clear_error();
    throw Error(ErrorCode::kBadInput,
                "TLS key file " + key_path + " does not match the certificate in " + cert_path);
  }

  auto context = newServerContext();
  boost::system::error_code ec;
  context->use_certificate_chain(boost::asio::buffer(cert_pem), ec);
  if (ec) {
    ERR_clear_error();
    throw Error(ErrorCode::kBadInput, "TLS certificate file " + cert_path + ": " + ec.message());
  }
  if (SSL_CTX_use_PrivateKey(context->native_handle(), key.get()) != 1) {
    throw Error(ErrorCode::kBadInput, "TLS key file " + key_path + ": " + openSslError());
  }
  if (!options_.client_ca_file.empty()) addClientCa(*context, options_.client_ca_file);
  return context;
}

void TlsContextProvider::reloadIfChanged() {
  Stamps stamps = stampFiles();
  if (stamps == loaded_ || stamps == failed_) return;
  try {
    context_ = load();
    loaded_ = std::move(stamps);
    failed_.clear();
    core::logEvent(spdlog::level::info, "tls: reloaded",
                   {{"sha256_fingerprint",
                     sha256Fingerprint(SSL_CTX_get0_certificate(context_->native_handle()))}});
  } catch (const Error& error) {
    failed_ = std::move(stamps);
    core::logEvent(spdlog::level::warn,
                   "tls: reload failed, keeping the previous certificate and CA",
                   {{"error", error.what()}});
  }
}

std::optional<UserInfo> clientCertificateUser(SSL* ssl) {
  if (ssl == nullptr || (SSL_get_verify_mode(ssl) & SSL_VERIFY_PEER) == 0) return std::nullopt;
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (cert == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return std::nullopt;
  X509_NAME* subject = X509_get_subject_name(cert);
  if (subject == nullptr) return std::nullopt;
  std::vector<std::string> common_names = nameEntries(subject, NID_commonName);
  if (common_names.empty() || common_names.back().empty()) return std::nullopt;
  UserInfo user;
  user.username = std::move(common_names.back());
  user.groups = nameEntries(subject, NID_organizationName);
  return user;
}

}  // namespace keelson::server
