// TlsContextProvider and clientCertificateUser (server/tls.h): real TLS handshakes on 127.0.0.1
// between a Boost.Asio client and a one-connection server using the provider's context, with
// certificates made in the test (test_certs.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "common/fake_clock.h"
#include "common/temp_dir.h"
#include "core/error.h"
#include "server/tls.h"
#include "test_certs.h"

namespace keelson::server {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using asio::ip::tcp;
using keelson::testing::CertSpec;
using keelson::testing::makeCert;
using keelson::testing::TempDir;
using keelson::testing::TestCert;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct Handshake {
  boost::system::error_code server_error;
  boost::system::error_code client_error;
  std::string served_fingerprint;  // what the client was served
  std::optional<UserInfo> user;    // what the server saw
};

// One TLS handshake over loopback: the server side uses `server_context`, the client
// `client_context`, verifying the name `verify_host` when it is not empty.
Handshake handshake(const std::shared_ptr<ssl::context>& server_context,
                    ssl::context& client_context, const std::string& verify_host = {}) {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  Handshake result;
  std::thread server([&] {
    tcp::socket socket(io);
    acceptor.accept(socket);
    ssl::stream<tcp::socket> stream(std::move(socket), *server_context);
    stream.handshake(ssl::stream_base::server, result.server_error);
    if (!result.server_error) result.user = clientCertificateUser(stream.native_handle());
    boost::system::error_code ignored;
    stream.next_layer().close(ignored);
  });
  ssl::stream<tcp::socket> stream(io, client_context);
  stream.next_layer().connect(acceptor.local_endpoint());
  if (!verify_host.empty()) {
    stream.set_verify_mode(ssl::verify_peer);
    stream.set_verify_callback(ssl::host_name_verification(verify_host));
  }
  stream.handshake(ssl::stream_base::client, result.client_error);
  if (!result.client_error) {
    result.served_fingerprint =
        TestCert::fingerprintOf(SSL_get0_peer_certificate(stream.native_handle()));
  }
  // With TLS 1.3 the server checks a client certificate after the client's handshake returned.
  server.join();
  boost::system::error_code ignored;
  stream.next_layer().close(ignored);
  return result;
}

std::string pemOf(X509* cert) {
  TestCert wrapper;
  X509_up_ref(cert);
  wrapper.cert.reset(cert, X509_free);
  return wrapper.certPem();
}

void writeFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

// Replaces `path` the way a Secret volume or cert-manager does: a new file renamed over it.
void replaceFile(const std::filesystem::path& path, const std::string& text) {
  const std::filesystem::path next = path.string() + ".next";
  writeFile(next, text);
  std::filesystem::rename(next, path);
}

ErrorCode constructionError(const TlsOptions& options, std::string& message) {
  try {
    TlsContextProvider provider(options);
  } catch (const Error& error) {
    message = error.what();
    return error.code();
  }
  ADD_FAILURE() << "TlsContextProvider did not throw";
  return ErrorCode::kInternal;
}

class TlsTest : public ::testing::Test {
 protected:
  TlsTest() {
    ca_ = makeCert({.common_name = "test-ca", .is_ca = true, .serial = 100});
    writeFile(dir_ / "ca.pem", ca_.certPem());
  }

  TestCert serverCert(long serial) {
    return makeCert({.common_name = "keelson",
                     .subject_alt_names = "DNS:localhost,IP:127.0.0.1",
                     .serial = serial},
                    &ca_);
  }

  // A client context trusting the test CA.
  ssl::context trustingClient() {
    ssl::context client(ssl::context::tls_client);
    const std::string pem = ca_.certPem();
    client.add_certificate_authority(asio::buffer(pem));
    return client;
  }

  TempDir dir_;
  TestCert ca_;
};

TEST_F(TlsTest, ASelfSignedCertificateVerifiesForItsHostsLocalhostAndLoopback) {
  TlsContextProvider provider({.self_signed_hosts = {"keelson.keelson.svc", "10.1.2.3"}});
  EXPECT_TRUE(provider.selfSigned());
  const auto context = provider.current();
  ASSERT_TRUE(context);
  EXPECT_EQ(provider.current(), context);
  X509* served = SSL_CTX_get0_certificate(context->native_handle());
  ASSERT_NE(served, nullptr);

  // The client trusts exactly the served certificate (pinning it, as a user of a self-signed
  // serve would) and checks the name.
  const std::string pem = pemOf(served);
  for (const std::string host : {"localhost", "127.0.0.1", "keelson.keelson.svc", "10.1.2.3"}) {
    ssl::context client(ssl::context::tls_client);
    client.add_certificate_authority(asio::buffer(pem));
    const Handshake result = handshake(context, client, host);
    EXPECT_FALSE(result.client_error) << host << ": " << result.client_error.message();
    EXPECT_FALSE(result.server_error) << host << ": " << result.server_error.message();
    EXPECT_EQ(result.served_fingerprint, provider.fingerprint());
    EXPECT_EQ(result.user, std::nullopt);
  }
  ssl::context client(ssl::context::tls_client);
  client.add_certificate_authority(asio::buffer(pem));
  EXPECT_TRUE(handshake(context, client, "other.example").client_error);

  // EC P-256, valid for a year.
  EXPECT_EQ(EVP_PKEY_get_base_id(X509_get0_pubkey(served)), EVP_PKEY_EC);
  int days = 0;
  int seconds = 0;
  ASSERT_EQ(
      ASN1_TIME_diff(&days, &seconds, X509_get0_notBefore(served), X509_get0_notAfter(served)), 1);
  EXPECT_EQ(days, 365);
}

TEST_F(TlsTest, EachSelfSignedProviderMakesItsOwnCertificate) {
  TlsContextProvider first({});
  TlsContextProvider second({});
  EXPECT_EQ(first.fingerprint().size(), 64u);
  EXPECT_NE(first.fingerprint(), second.fingerprint());
}

TEST_F(TlsTest, AFileCertificateIsServedAndAReplacedOneTakesEffect) {
  const TestCert first = serverCert(1);
  const TestCert second = serverCert(2);
  writeFile(dir_ / "tls.crt", first.certPem());
  writeFile(dir_ / "tls.key", first.keyPem());
  TlsContextProvider provider({.cert_file = dir_ / "tls.crt",
                               .key_file = dir_ / "tls.key",
                               .reload_check_interval = std::chrono::milliseconds(0)});
  EXPECT_FALSE(provider.selfSigned());
  auto client = trustingClient();
  Handshake result = handshake(provider.current(), client, "localhost");
  ASSERT_FALSE(result.client_error) << result.client_error.message();
  EXPECT_EQ(result.served_fingerprint, first.fingerprint());

  replaceFile(dir_ / "tls.key", second.keyPem());
  replaceFile(dir_ / "tls.crt", second.certPem());
  result = handshake(provider.current(), client, "localhost");
  ASSERT_FALSE(result.client_error) << result.client_error.message();
  EXPECT_EQ(result.served_fingerprint, second.fingerprint());
  EXPECT_NE(first.fingerprint(), second.fingerprint());
}

TEST_F(TlsTest, AFailedReloadKeepsThePreviousCertificateUntilTheFilesAreFixed) {
  const TestCert first = serverCert(1);
  const TestCert second = serverCert(2);
  writeFile(dir_ / "tls.crt", first.certPem());
  writeFile(dir_ / "tls.key", first.keyPem());
  TlsContextProvider provider({.cert_file = dir_ / "tls.crt",
                               .key_file = dir_ / "tls.key",
                               .reload_check_interval = std::chrono::milliseconds(0)});
  // Half-way through a rotation: the new certificate, the old key.
  replaceFile(dir_ / "tls.crt", second.certPem());
  auto client = trustingClient();
  Handshake result = handshake(provider.current(), client, "localhost");
  ASSERT_FALSE(result.client_error) << result.client_error.message();
  EXPECT_EQ(result.served_fingerprint, first.fingerprint());
  EXPECT_EQ(provider.fingerprint(), first.fingerprint());

  replaceFile(dir_ / "tls.key", second.keyPem());
  result = handshake(provider.current(), client, "localhost");
  ASSERT_FALSE(result.client_error) << result.client_error.message();
  EXPECT_EQ(result.served_fingerprint, second.fingerprint());

  std::filesystem::remove(dir_ / "tls.crt");
  EXPECT_EQ(TestCert::fingerprintOf(SSL_CTX_get0_certificate(provider.current()->native_handle())),
            second.fingerprint());
}

TEST_F(TlsTest, FilesAreLookedAtNoMoreOftenThanTheCheckInterval) {
  const TestCert first = serverCert(1);
  const TestCert second = serverCert(2);
  writeFile(dir_ / "tls.crt", first.certPem());
  writeFile(dir_ / "tls.key", first.keyPem());
  const auto clock = std::make_shared<keelson::testing::FakeClock>();
  TlsContextProvider provider({.cert_file = dir_ / "tls.crt",
                               .key_file = dir_ / "tls.key",
                               .reload_check_interval = std::chrono::hours(1),
                               .clock = clock});
  const auto before = provider.current();
  replaceFile(dir_ / "tls.key", second.keyPem());
  replaceFile(dir_ / "tls.crt", second.certPem());
  clock->advance(std::chrono::minutes(59));
  EXPECT_EQ(provider.current(), before);
  EXPECT_EQ(provider.fingerprint(), first.fingerprint());
  clock->advance(std::chrono::minutes(1));  // the interval has passed: the files are looked at
  EXPECT_NE(provider.current(), before);
  EXPECT_EQ(provider.fingerprint(), second.fingerprint());
}

TEST_F(TlsTest, AnRsaCertificateChainFromFilesWorks) {
  const TestCert leaf = makeCert(
      {.common_name = "keelson", .subject_alt_names = "DNS:localhost", .serial = 7, .rsa = true},
      &ca_);
  writeFile(dir_ / "tls.crt", leaf.certPem() + ca_.certPem());
  writeFile(dir_ / "tls.key", leaf.keyPem());
  TlsContextProvider provider({.cert_file = dir_ / "tls.crt", .key_file = dir_ / "tls.key"});
  auto client = trustingClient();
  const Handshake result = handshake(provider.current(), client, "localhost");
  ASSERT_FALSE(result.client_error) << result.client_error.message();
  EXPECT_EQ(result.served_fingerprint, leaf.fingerprint());
}

TEST_F(TlsTest, BadFilesAreBadInputNamingTheFile) {
  const TestCert leaf = serverCert(1);
  const TestCert other = serverCert(2);
  writeFile(dir_ / "tls.crt", leaf.certPem());
  writeFile(dir_ / "tls.key", leaf.keyPem());
  writeFile(dir_ / "other.key", other.keyPem());
  writeFile(dir_ / "garbage", "not a PEM file\n");
  const std::string crt = dir_ / "tls.crt";
  const std::string key = dir_ / "tls.key";
  std::string message;

  EXPECT_EQ(constructionError({.cert_file = dir_ / "missing.crt", .key_file = key}, message),
            ErrorCode::kBadInput);
  EXPECT_THAT(message, HasSubstr((dir_ / "missing.crt").string()));

  EXPECT_EQ(constructionError({.cert_file = dir_ / "garbage", .key_file = key}, message),
            ErrorCode::kBadInput);
  EXPECT_THAT(message, HasSubstr((dir_ / "garbage").string()));

  EXPECT_EQ(constructionError({.cert_file = crt, .key_file = dir_ / "garbage"}, message),
            ErrorCode::kBadInput);
  EXPECT_THAT(message, HasSubstr((dir_ / "garbage").string()));

  EXPECT_EQ(constructionError({.cert_file = crt, .key_file = dir_ / "other.key"}, message),
            ErrorCode::kBadInput);
  EXPECT_THAT(message, HasSubstr("does not match"));
  EXPECT_THAT(message, HasSubstr((dir_ / "other.key").string()));

  EXPECT_EQ(constructionError({.cert_file = crt}, message), ErrorCode::kBadInput);

  EXPECT_EQ(constructionError({.client_ca_file = dir_ / "garbage"}, message), ErrorCode::kBadInput);
  EXPECT_THAT(message, HasSubstr((dir_ / "garbage").string()));
}

TEST_F(TlsTest, AVerifiedClientCertificateIsAUser) {
  const TestCert alice = makeCert(
      {.common_name = "alice", .organizations = {"dev", "ops"}, .client = true, .serial = 3}, &ca_);
  TlsContextProvider provider({.client_ca_file = dir_ / "ca.pem"});
  ssl::context client(ssl::context::tls_client);
  const std::string cert = alice.certPem();
  const std::string key = alice.keyPem();
  client.use_certificate(asio::buffer(cert), ssl::context::pem);
  client.use_private_key(asio::buffer(key), ssl::context::pem);
  const Handshake result = handshake(provider.current(), client);
  ASSERT_FALSE(result.server_error) << result.server_error.message();
  ASSERT_TRUE(result.user);
  EXPECT_EQ(result.user->username, "alice");
  EXPECT_THAT(result.user->groups, ElementsAre("dev", "ops"));
  EXPECT_EQ(result.user->uid, "");
}

TEST_F(TlsTest, AClientWithoutACertificateStillConnects) {
  TlsContextProvider provider({.client_ca_file = dir_ / "ca.pem"});
  ssl::context client(ssl::context::tls_client);
  const Handshake result = handshake(provider.current(), client);
  EXPECT_FALSE(result.server_error) << result.server_error.message();
  EXPECT_FALSE(result.client_error) << result.client_error.message();
  EXPECT_EQ(result.user, std::nullopt);
}

TEST_F(TlsTest, AClientCertificateFromAnotherCaFailsTheHandshake) {
  const TestCert other_ca = makeCert({.common_name = "other-ca", .is_ca = true, .serial = 200});
  const TestCert mallory = makeCert(
      {.common_name = "admin", .organizations = {"system:masters"}, .client = true}, &other_ca);
  TlsContextProvider provider({.client_ca_file = dir_ / "ca.pem"});
  ssl::context client(ssl::context::tls_client);
  const std::string cert = mallory.certPem();
  const std::string key = mallory.keyPem();
  client.use_certificate(asio::buffer(cert), ssl::context::pem);
  client.use_private_key(asio::buffer(key), ssl::context::pem);
  const Handshake result = handshake(provider.current(), client);
  EXPECT_TRUE(result.server_error);
  EXPECT_EQ(result.user, std::nullopt);
}

TEST_F(TlsTest, AReplacedClientCaTakesEffect) {
  const TestCert next_ca = makeCert({.common_name = "next-ca", .is_ca = true, .serial = 300});
  const TestCert bob = makeCert({.common_name = "bob", .client = true, .serial = 4}, &next_ca);
  TlsContextProvider provider(
      {.client_ca_file = dir_ / "ca.pem", .reload_check_interval = std::chrono::milliseconds(0)});
  ssl::context client(ssl::context::tls_client);
  const std::string cert = bob.certPem();
  const std::string key = bob.keyPem();
  client.use_certificate(asio::buffer(cert), ssl::context::pem);
  client.use_private_key(asio::buffer(key), ssl::context::pem);
  EXPECT_TRUE(handshake(provider.current(), client).server_error);

  replaceFile(dir_ / "ca.pem", next_ca.certPem());
  const Handshake result = handshake(provider.current(), client);
  ASSERT_FALSE(result.server_error) << result.server_error.message();
  ASSERT_TRUE(result.user);
  EXPECT_EQ(result.user->username, "bob");
}

TEST_F(TlsTest, WithoutAClientCaNoCertificateIsAskedForOrTrusted) {
  const TestCert alice = makeCert({.common_name = "alice", .client = true, .serial = 3}, &ca_);
  TlsContextProvider provider({});
  ssl::context client(ssl::context::tls_client);
  const std::string cert = alice.certPem();
  const std::string key = alice.keyPem();
  client.use_certificate(asio::buffer(cert), ssl::context::pem);
  client.use_private_key(asio::buffer(key), ssl::context::pem);
  const Handshake result = handshake(provider.current(), client);
  EXPECT_FALSE(result.server_error) << result.server_error.message();
  EXPECT_EQ(result.user, std::nullopt);
  EXPECT_EQ(clientCertificateUser(nullptr), std::nullopt);
}

}  // namespace
}  // namespace keelson::server
