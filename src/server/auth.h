#pragma once
// Delegated authentication and authorisation, the way Kubernetes aggregated API servers and
// metrics-server do it: a request's bearer token is checked with a TokenReview, its access with a
// SubjectAccessReview, both answered by the cluster's API server, so `keelson serve` grants
// exactly what the caller's RBAC grants. A TLS client certificate verified against
// --client-ca-file (see tls.h) is an identity of its own and needs no TokenReview.

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/clock.h"
#include "kube/client.h"

namespace keelson::server {

/// Who made a request, as the API server describes a user (authentication.k8s.io/v1 UserInfo).
struct UserInfo {
  std::string username;             ///< e.g. "system:serviceaccount:ns:sa" or a cert's CN.
  std::string uid;                  ///< May be empty (client certificates have none).
  std::vector<std::string> groups;  ///< e.g. "system:authenticated"; a cert's O entries.
  std::map<std::string, std::vector<std::string>>
      extra;  ///< e.g. "authentication.kubernetes.io/pod-name".

  friend bool operator==(const UserInfo&, const UserInfo&) = default;
};

/// An access to a Kubernetes-style resource (authorization.k8s.io/v1 ResourceAttributes). Empty
/// fields are left out of the review ("" group: the core group; "" namespace_name: cluster-wide
/// or all namespaces).
struct ResourceAttributes {
  std::string verb;            ///< get, list, watch, create, update, patch, delete, ...
  std::string group;           ///< API group, "" for the core group.
  std::string version;         ///< e.g. "v1"; "" for any.
  std::string resource;        ///< e.g. "pods".
  std::string subresource;     ///< e.g. "log"; "" for none.
  std::string namespace_name;  ///< The namespace; "" for cluster-scoped or all namespaces.
  std::string name;            ///< The object's name; "" for a collection.

  friend bool operator==(const ResourceAttributes&, const ResourceAttributes&) = default;
};

/// An access to a path that is not a resource, e.g. "/metrics" (NonResourceAttributes).
struct NonResourceAttributes {
  std::string verb;  ///< The lower-case HTTP verb: "get", "post", ...
  std::string path;  ///< The URL path, e.g. "/metrics".

  friend bool operator==(const NonResourceAttributes&, const NonResourceAttributes&) = default;
};

/// What a request wants to do.
using AccessAttributes = std::variant<ResourceAttributes, NonResourceAttributes>;

/// What a request presented to prove who it is.
struct Credentials {
  /// The token of an `Authorization: Bearer <token>` header.
  std::optional<std::string> bearer_token;
  /// The identity of a TLS client certificate already verified against --client-ca-file (CN →
  /// username, O → groups; see clientCertificateUser in tls.h).
  std::optional<UserInfo> client_certificate;
};

/// Turns credentials into a user.
class Authenticator {
 public:
  virtual ~Authenticator() = default;

  /// The user `credentials` belong to; nullopt when no credentials were presented. Throws
  /// Error(kUnauthorized) for invalid, expired or unknown credentials, Error(kUnavailable) when
  /// the review could not be made (API server away, keelson not allowed to create TokenReviews).
  /// Thread-safe.
  virtual std::optional<UserInfo> authenticate(const Credentials& credentials) = 0;

  /// authenticate(credentials)'s answer when it is known without blocking (no review needed,
  /// or the verdict on the token is cached); nullopt when only authenticate() can answer (a
  /// review is due). Throws what authenticate() throws for a known verdict (Error(kUnauthorized)
  /// for a rejected token). The default knows nothing. Thread-safe; never blocks.
  virtual std::optional<std::optional<UserInfo>> authenticateAtOnce(const Credentials& credentials);
};

/// An authorisation decision.
struct Decision {
  bool allowed = false;  ///< True: the user may do it.
  std::string reason;    ///< The authorizer's explanation (may be empty), e.g. an RBAC rule.

  friend bool operator==(const Decision&, const Decision&) = default;
};

/// Decides whether a user may do something.
class Authorizer {
 public:
  virtual ~Authorizer() = default;

  /// Whether `user` may access `attributes`. Throws Error(kUnavailable) when the review could
  /// not be made (API server away, keelson not allowed to create SubjectAccessReviews).
  /// Thread-safe.
  virtual Decision authorize(const UserInfo& user, const AccessAttributes& attributes) = 0;

  /// authorize(user, attributes)'s decision when it is known without blocking (cached);
  /// nullopt when a review is due. The default knows nothing. Thread-safe; never blocks.
  virtual std::optional<Decision> authorizeAtOnce(const UserInfo& user,
                                                  const AccessAttributes& attributes);
};

/// Settings of the delegated authenticator and authorizer (the defaults of kube-apiserver's
/// delegating authn/authz options: 10 s caches).
struct DelegatedAuthOptions {
  /// How long a TokenReview result (authenticated or rejected) is reused for the same token.
  std::chrono::seconds token_cache_ttl{10};
  /// How long an allowed SubjectAccessReview is reused for the same user and attributes.
  std::chrono::seconds authorized_ttl{10};
  /// How long a denied SubjectAccessReview is reused for the same user and attributes.
  std::chrono::seconds unauthorized_ttl{10};
  /// Bound on each cache's entries (expired entries are evicted first, then the oldest).
  std::size_t max_cache_entries = 10000;
  /// The clock of the caches.
  std::shared_ptr<const core::Clock> clock = core::systemClock();
};

/// An Authenticator over the cluster's API server. A client certificate identity, when present,
/// is the answer (no review); otherwise a bearer token is checked with a TokenReview
/// (POST /apis/authentication.k8s.io/v1/tokenreviews). Results, authenticated or rejected, are
/// cached for options.token_cache_ttl under the SHA-256 of the token: the raw token is neither
/// stored nor logged. Concurrent requests with the same uncached token share one review. An
/// empty bearer token is rejected (kUnauthorized) without a review. The authenticator keeps a copy
/// of `client` (sharing its transport). Thread-safe.
std::shared_ptr<Authenticator> makeDelegatedAuthenticator(const kube::Client& client,
                                                          const DelegatedAuthOptions& options);

/// An Authorizer over the cluster's API server: a SubjectAccessReview
/// (POST /apis/authorization.k8s.io/v1/subjectaccessreviews) per distinct user (name, uid,
/// groups, extra) and attributes. Allowed decisions are cached for options.authorized_ttl,
/// denied ones for options.unauthorized_ttl (like kube-apiserver's webhook authorizer).
/// Concurrent identical checks share one review. The authorizer keeps a copy of `client`
/// (sharing its transport). Thread-safe.
std::shared_ptr<Authorizer> makeDelegatedAuthorizer(const kube::Client& client,
                                                    const DelegatedAuthOptions& options);

/// The TokenReview request body for `token`:
/// {"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":...}}. Pure.
std::string tokenReviewBody(std::string_view token);

/// The outcome of a TokenReview: the user when authenticated, else the server's error text.
struct TokenReviewResult {
  std::optional<UserInfo> user;  ///< Set when status.authenticated is true.
  std::string error;             ///< status.error (may be empty).
};

/// Parses a TokenReview response. Throws Error(kInternal) when `json` is not a TokenReview with a
/// status, or says authenticated without a username. Pure.
TokenReviewResult parseTokenReview(std::string_view json);

/// The SubjectAccessReview request body for `user` doing `attributes`; empty fields (uid, groups,
/// extra, attribute fields) are left out. Pure.
std::string subjectAccessReviewBody(const UserInfo& user, const AccessAttributes& attributes);

/// Parses a SubjectAccessReview response: allowed is status.allowed && !status.denied; reason is
/// status.reason, else status.evaluationError. Throws Error(kInternal) when `json` is not a
/// SubjectAccessReview with a status. Pure.
Decision parseSubjectAccessReview(std::string_view json);

/// The key under which the delegated authenticator caches a token's review: the lower-case hex
/// SHA-256 of the token, so the cache never holds a usable credential. Thread-safe.
std::string tokenCacheKey(std::string_view token);

/// The lower-case hex SHA-256 of `data` (64 characters). Thread-safe.
std::string sha256Hex(std::string_view data);

}  // namespace keelson::server
