#include "server/auth.h"

#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <array>
#include <nlohmann/json.hpp>
#include <utility>

#include "core/error.h"
#include "core/log.h"
#include "server/ttl_cache.h"

namespace keelson::server {
namespace {

constexpr std::string_view kTokenReviewPath = "/apis/authentication.k8s.io/v1/tokenreviews";
constexpr std::string_view kSubjectAccessReviewPath =
    "/apis/authorization.k8s.io/v1/subjectaccessreviews";

// A TokenReview or SubjectAccessReview POST changes nothing on the server, so it is retried as
// a read is (429, 5xx, connection and transfer failures), but briefly: the caller's request
// waits for it.
kube::SendOptions reviewSendOptions() {
  kube::SendOptions options;
  options.retry = net::RetryPolicy::idempotent();
  options.retry->max_attempts = 2;
  options.retry->max_total = std::chrono::seconds(1);
  return options;
}

using Json = nlohmann::json;

Json parseObject(std::string_view json, std::string_view kind) {
  Json doc = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) {
    throw Error(ErrorCode::kInternal, std::string(kind) + " response is not a JSON object");
  }
  if (const auto it = doc.find("kind"); it != doc.end() && it->is_string() && *it != kind) {
    throw Error(ErrorCode::kInternal, std::string(kind) + " response has kind " +
                                          it->get<std::string>() + ", expected " +
                                          std::string(kind));
  }
  const auto status = doc.find("status");
  if (status == doc.end() || !status->is_object()) {
    throw Error(ErrorCode::kInternal, std::string(kind) + " response has no status");
  }
  return std::move(*status);
}

std::string stringAt(const Json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool boolAt(const Json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_boolean() && it->get<bool>();
}

std::vector<std::string> stringsAt(const Json& object, const char* key) {
  std::vector<std::string> out;
  const auto it = object.find(key);
  if (it == object.end() || !it->is_array()) return out;
  for (const auto& item : *it) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

// A Kubernetes API failure of the review itself (not a verdict on the caller's credentials):
// the caller sees kUnavailable. A 401/403 here means keelson's own identity may not create
// reviews, typically a missing system:auth-delegator binding.
[[noreturn]] void throwReviewFailed(std::string_view what, const std::exception& error) {
  std::string message = std::string(what) + " could not be made: " + error.what();
  if (const auto* keelson_error = dynamic_cast<const Error*>(&error);
      keelson_error != nullptr && (keelson_error->code() == ErrorCode::kForbidden ||
                                   keelson_error->code() == ErrorCode::kUnauthorized)) {
    message += " (keelson's service account needs the system:auth-delegator ClusterRole)";
  }
  throw Error(ErrorCode::kUnavailable, message);
}

// What the token cache keeps for one token hash: the user, or why the token was rejected.
struct TokenVerdict {
  std::optional<UserInfo> user;
  std::string rejection;
};

class DelegatedAuthenticator final : public Authenticator {
 public:
  DelegatedAuthenticator(const kube::Client& client, const DelegatedAuthOptions& options)
      : client_(client),
        ttl_(options.token_cache_ttl),
        cache_(options.max_cache_entries, options.clock) {}

  std::optional<UserInfo> authenticate(const Credentials& credentials) override {
    if (auto known = authenticateAtOnce(credentials)) return std::move(*known);
    const std::string& token = *credentials.bearer_token;
    return answer(cache_.getOrLoad(tokenCacheKey(token), [&] {
      return TtlCache<std::string, TokenVerdict>::Loaded{review(token), ttl_};
    }));
  }

  std::optional<std::optional<UserInfo>> authenticateAtOnce(
      const Credentials& credentials) override {
    if (credentials.client_certificate) return credentials.client_certificate;
    if (!credentials.bearer_token) return std::optional<UserInfo>();
    const std::string& token = *credentials.bearer_token;
    if (token.empty()) throw Error(ErrorCode::kUnauthorized, "empty bearer token");
    // The key is the token's hash so that the cache never holds a usable credential.
    auto verdict = cache_.get(tokenCacheKey(token));
    if (!verdict) return std::nullopt;
    return answer(std::move(*verdict));
  }

 private:
  static std::optional<UserInfo> answer(TokenVerdict verdict) {
    if (!verdict.user) throw Error(ErrorCode::kUnauthorized, verdict.rejection);
    return std::move(verdict.user);
  }

  TokenVerdict review(const std::string& token) const {
    TokenReviewResult result;
    try {
      result = parseTokenReview(
          client_.send("POST", kTokenReviewPath, tokenReviewBody(token), reviewSendOptions()));
    } catch (const std::exception& error) {
      throwReviewFailed("TokenReview", error);
    }
    if (result.user) return TokenVerdict{std::move(result.user), {}};
    std::string rejection = "invalid bearer token";
    if (!result.error.empty()) rejection += ": " + result.error;
    core::logEvent(spdlog::level::debug, "authn: TokenReview rejected a bearer token",
                   {{"error", result.error}});
    return TokenVerdict{std::nullopt, std::move(rejection)};
  }

  const kube::Client client_;  // a copy: shares the thread-safe transport
  const std::chrono::seconds ttl_;
  TtlCache<std::string, TokenVerdict> cache_;
};

class DelegatedAuthorizer final : public Authorizer {
 public:
  DelegatedAuthorizer(const kube::Client& client, const DelegatedAuthOptions& options)
      : client_(client),
        authorized_ttl_(options.authorized_ttl),
        unauthorized_ttl_(options.unauthorized_ttl),
        cache_(options.max_cache_entries, options.clock) {}

  Decision authorize(const UserInfo& user, const AccessAttributes& attributes) override {
    // The request body names exactly what the decision depends on (user, uid, groups, extra,
    // attributes) in a canonical form (nlohmann's objects keep their keys sorted), so it is the
    // cache key; hashed to bound the memory a long extra map could take.
    std::string body = subjectAccessReviewBody(user, attributes);
    return cache_.getOrLoad(sha256Hex(body), [&] {
      Decision decision;
      try {
        decision = parseSubjectAccessReview(
            client_.send("POST", kSubjectAccessReviewPath, body, reviewSendOptions()));
      } catch (const std::exception& error) {
        throwReviewFailed("SubjectAccessReview", error);
      }
      const std::chrono::seconds ttl = decision.allowed ? authorized_ttl_ : unauthorized_ttl_;
      return TtlCache<std::string, Decision>::Loaded{std::move(decision), ttl};
    });
  }

  std::optional<Decision> authorizeAtOnce(const UserInfo& user,
                                          const AccessAttributes& attributes) override {
    return cache_.get(sha256Hex(subjectAccessReviewBody(user, attributes)));
  }

 private:
  const kube::Client client_;  // a copy: shares the thread-safe transport
  const std::chrono::seconds authorized_ttl_;
  const std::chrono::seconds unauthorized_ttl_;
  TtlCache<std::string, Decision> cache_;
};

void putIfNotEmpty(Json& object, const char* key, const std::string& value) {
  if (!value.empty()) object[key] = value;
}

}  // namespace

std::optional<std::optional<UserInfo>> Authenticator::authenticateAtOnce(const Credentials&) {
  return std::nullopt;
}

std::optional<Decision> Authorizer::authorizeAtOnce(const UserInfo&, const AccessAttributes&) {
  return std::nullopt;
}

std::string tokenReviewBody(std::string_view token) {
  const Json body = {{"apiVersion", "authentication.k8s.io/v1"},
                     {"kind", "TokenReview"},
                     {"spec", {{"token", std::string(token)}}}};
  return body.dump();
}

TokenReviewResult parseTokenReview(std::string_view json) {
  const Json status = parseObject(json, "TokenReview");
  TokenReviewResult result;
  result.error = stringAt(status, "error");
  if (!boolAt(status, "authenticated")) return result;
  const auto user = status.find("user");
  if (user == status.end() || !user->is_object() || stringAt(*user, "username").empty()) {
    throw Error(ErrorCode::kInternal, "TokenReview response: authenticated without a username");
  }
  UserInfo info;
  info.username = stringAt(*user, "username");
  info.uid = stringAt(*user, "uid");
  info.groups = stringsAt(*user, "groups");
  if (const auto extra = user->find("extra"); extra != user->end() && extra->is_object()) {
    for (const auto& [key, values] : extra->items()) {
      std::vector<std::string>& out = info.extra[key];
      if (!values.is_array()) continue;
      for (const auto& value : values) {
        if (value.is_string()) out.push_back(value.get<std::string>());
      }
    }
  }
  result.user = std::move(info);
  return result;
}

std::string subjectAccessReviewBody(const UserInfo& user, const AccessAttributes& attributes) {
  Json spec = Json::object();
  putIfNotEmpty(spec, "user", user.username);
  putIfNotEmpty(spec, "uid", user.uid);
  if (!user.groups.empty()) spec["groups"] = user.groups;
  if (!user.extra.empty()) spec["extra"] = user.extra;
  if (const auto* resource = std::get_if<ResourceAttributes>(&attributes)) {
    Json out = Json::object();
    putIfNotEmpty(out, "namespace", resource->namespace_name);
    putIfNotEmpty(out, "verb", resource->verb);
    putIfNotEmpty(out, "group", resource->group);
    putIfNotEmpty(out, "version", resource->version);
    putIfNotEmpty(out, "resource", resource->resource);
    putIfNotEmpty(out, "subresource", resource->subresource);
    putIfNotEmpty(out, "name", resource->name);
    spec["resourceAttributes"] = std::move(out);
  } else {
    const auto& non_resource = std::get<NonResourceAttributes>(attributes);
    Json out = Json::object();
    putIfNotEmpty(out, "path", non_resource.path);
    putIfNotEmpty(out, "verb", non_resource.verb);
    spec["nonResourceAttributes"] = std::move(out);
  }
  const Json body = {{"apiVersion", "authorization.k8s.io/v1"},
                     {"kind", "SubjectAccessReview"},
                     {"spec", std::move(spec)}};
  return body.dump();
}

Decision parseSubjectAccessReview(std::string_view json) {
  const Json status = parseObject(json, "SubjectAccessReview");
  Decision decision;
  decision.allowed = boolAt(status, "allowed") && !boolAt(status, "denied");
  decision.reason = stringAt(status, "reason");
  if (decision.reason.empty()) decision.reason = stringAt(status, "evaluationError");
  return decision;
}

std::string sha256Hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
    throw Error(ErrorCode::kInternal, "SHA-256 failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xf]);
  }
  return out;
}

std::string tokenCacheKey(std::string_view token) { return sha256Hex(token); }

std::shared_ptr<Authenticator> makeDelegatedAuthenticator(const kube::Client& client,
                                                          const DelegatedAuthOptions& options) {
  return std::make_shared<DelegatedAuthenticator>(client, options);
}

std::shared_ptr<Authorizer> makeDelegatedAuthorizer(const kube::Client& client,
                                                    const DelegatedAuthOptions& options) {
  return std::make_shared<DelegatedAuthorizer>(client, options);
}

}  // namespace keelson::server
