#pragma once
// Delegated authentication and authorisation for keelson's HTTP server: who the caller is
// (TokenReview, client certificates) and what they may see (SubjectAccessReview).

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace keelson::server {

/// An authenticated caller, as the API server describes users (authentication.k8s.io/v1 UserInfo).
struct UserInfo {
  std::string username;
  std::string uid;
  std::vector<std::string> groups;
  std::map<std::string, std::vector<std::string>> extra;
};

/// A request on a Kubernetes resource (SubjectAccessReview spec.resourceAttributes). An empty
/// namespace_name on a namespaced resource means all namespaces.
struct ResourceAttributes {
  std::string verb;  ///< get, list, watch, create, update, patch, delete.
  std::string group;
  std::string version;
  std::string resource;
  std::string subresource;
  std::string namespace_name;
  std::string name;
};

/// A request on a URL path outside the API (SubjectAccessReview spec.nonResourceAttributes).
struct NonResourceAttributes {
  std::string verb;  ///< The lower-case HTTP method: get, post, ...
  std::string path;
};

/// What one authorisation decision is asked about.
using AccessAttributes = std::variant<ResourceAttributes, NonResourceAttributes>;

/// What a request presented to prove who it is.
struct Credentials {
  std::optional<std::string> bearer_token;  ///< From "Authorization: Bearer <token>".
  /// From a TLS client certificate verified against --client-ca-file (CN: username, O: groups).
  std::optional<UserInfo> client_certificate;
};

/// Tells who presented `credentials`.
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  /// The caller; nullopt when no credentials were presented. Throws Error(kUnauthorized) for
  /// invalid, expired or unknown credentials and Error(kUnavailable) when the review could not be
  /// made (API server away). Thread-safe.
  virtual std::optional<UserInfo> authenticate(const Credentials& credentials) = 0;
};

/// One authorisation verdict; `reason` is the authoriser's explanation (may be empty).
struct Decision {
  bool allowed = false;
  std::string reason;
};

/// Tells whether a user may do what a request asks.
class Authorizer {
 public:
  virtual ~Authorizer() = default;
  /// The verdict for `user` on `attributes`. Throws Error(kUnavailable) when the review could not
  /// be made. Thread-safe.
  virtual Decision authorize(const UserInfo& user, const AccessAttributes& attributes) = 0;
};

}  // namespace keelson::server
