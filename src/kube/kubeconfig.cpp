#include "kube/kubeconfig.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>

#include <climits>
#include <utility>

#include "core/error.h"
#include "kube/kubeconfig_io.h"

namespace keelson::kube {

namespace {

// kubeconfigs are a few KiB; anything this large is not one.
constexpr std::size_t kMaxKubeconfigBytes = 16u << 20;
// yaml-cpp recurses once per nesting level; deeper documents could exhaust the stack.
constexpr int kMaxFlowDepth = 64;
constexpr std::size_t kMaxIndent = 512;

// Where in the document a value sits, for messages: "cluster \"dev\"", "users[2]".
struct Place {
  const std::filesystem::path* source;
  std::string where;
};

[[noreturn]] void fail(const std::filesystem::path& source, const std::string& message) {
  throw Error(ErrorCode::kBadInput, fmt::format("kubeconfig {}: {}", source.string(), message));
}

[[noreturn]] void failAt(const Place& place, const YAML::Node& node, const std::string& message) {
  const std::string prefix = place.where.empty() ? std::string() : place.where + ": ";
  const YAML::Mark mark = node.Mark();
  if (mark.is_null()) fail(*place.source, prefix + message);
  fail(*place.source, fmt::format("{}{} (line {})", prefix, message, mark.line + 1));
}

// Rejects nesting deep enough to overflow yaml-cpp's recursive parser (a fuzzing finding
// class, not something a real kubeconfig has).
void checkNesting(std::string_view yaml, const std::filesystem::path& source) {
  int depth = 0;
  std::size_t indent = 0;
  bool at_line_start = true;
  char quote = '\0';
  for (const char c : yaml) {
    if (c == '\n') {
      at_line_start = true;
      indent = 0;
      continue;
    }
    if (at_line_start) {
      if (c == ' ' || c == '-' || c == '\t') {
        if (++indent > kMaxIndent) fail(source, "document is nested too deeply");
        continue;
      }
      at_line_start = false;
    }
    if (quote != '\0') {
      if (c == quote) quote = '\0';
      continue;
    }
    if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxFlowDepth) fail(source, "document is nested too deeply");
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
}

std::filesystem::path resolvePath(const std::string& value, const std::filesystem::path& base) {
  if (value.empty()) return {};
  std::filesystem::path path(value);
  if (path.is_absolute()) return path.lexically_normal();
  return (base / path).lexically_normal();
}

// A scalar child; "" when absent or null. Anything else (a list, a map) is an error.
std::string scalar(const YAML::Node& map, const char* key, const Place& place) {
  const YAML::Node node = map[key];
  if (!node.IsDefined() || node.IsNull()) return {};
  if (!node.IsScalar()) failAt(place, node, fmt::format("{}: expected a string", key));
  return node.Scalar();
}

// kubectl honours insecure-skip-tls-verify only when it is explicitly true.
bool explicitTrue(const YAML::Node& map, const char* key, const Place& place) {
  const YAML::Node node = map[key];
  if (!node.IsDefined() || node.IsNull()) return false;
  if (!node.IsScalar()) failAt(place, node, fmt::format("{}: expected true or false", key));
  const std::string& value = node.Scalar();
  if (value == "true" || value == "True" || value == "TRUE") return true;
  if (value == "false" || value == "False" || value == "FALSE") return false;
  failAt(place, node, fmt::format("{}: expected true or false, got \"{}\"", key, value));
}

std::string base64Field(const YAML::Node& map, const char* key, const Place& place) {
  const std::string text = scalar(map, key, place);
  if (text.empty()) return {};
  auto decoded = decodeBase64(text);
  if (!decoded) failAt(place, map[key], fmt::format("{}: invalid base64", key));
  return std::move(*decoded);
}

std::vector<std::string> stringList(const YAML::Node& map, const char* key, const Place& place) {
  std::vector<std::string> out;
  const YAML::Node node = map[key];
  if (!node.IsDefined() || node.IsNull()) return out;
  if (!node.IsSequence()) failAt(place, node, fmt::format("{}: expected a list", key));
  for (const auto& item : node) {
    if (!item.IsScalar()) failAt(place, item, fmt::format("{}: expected a list of strings", key));
    out.push_back(item.Scalar());
  }
  return out;
}

// The `name` + body pairs of clusters / users / contexts.
template <typename Entry, typename ParseBody>
void parseNamedList(const YAML::Node& root, const char* list_key, const char* body_key,
                    const char* kind, const std::filesystem::path& source,
                    std::map<std::string, Entry>& out, ParseBody parse_body) {
  const YAML::Node list = root[list_key];
  if (!list.IsDefined() || list.IsNull()) return;
  const Place list_place{&source, ""};
  if (!list.IsSequence()) failAt(list_place, list, fmt::format("{}: expected a list", list_key));
  std::size_t index = 0;
  for (const auto& item : list) {
    const Place item_place{&source, fmt::format("{}[{}]", list_key, index++)};
    if (!item.IsMap())
      failAt(item_place, item, "expected a map with name and " + std::string(body_key));
    const std::string name = scalar(item, "name", item_place);
    if (name.empty()) failAt(item_place, item, "missing name");
    const Place place{&source, fmt::format("{} \"{}\"", kind, name)};
    const YAML::Node body = item[body_key];
    Entry entry;
    if (body.IsDefined() && !body.IsNull()) {
      if (!body.IsMap()) failAt(place, body, fmt::format("{}: expected a map", body_key));
      parse_body(body, place, entry);
    }
    entry.source = source;
    if (!out.emplace(name, std::move(entry)).second) {
      failAt(place, item, fmt::format("{} \"{}\" is defined twice", kind, name));
    }
  }
}

ExecConfig parseExec(const YAML::Node& node, const Place& outer,
                     const std::filesystem::path& base) {
  const Place place{outer.source, outer.where + ": exec"};
  if (!node.IsMap()) failAt(place, node, "expected a map");
  ExecConfig exec;
  exec.api_version = scalar(node, "apiVersion", place);
  exec.command = scalar(node, "command", place);
  // kubectl resolves a relative command against the kubeconfig only when it has a '/'
  // ("./bin/plugin"); a bare name ("aws") is looked up in PATH.
  if (exec.command.find('/') != std::string::npos) {
    exec.command = resolvePath(exec.command, base).string();
  }
  exec.args = stringList(node, "args", place);
  const YAML::Node env = node["env"];
  if (env.IsDefined() && !env.IsNull()) {
    if (!env.IsSequence()) failAt(place, env, "env: expected a list");
    for (const auto& item : env) {
      if (!item.IsMap()) failAt(place, item, "env: expected a list of {name, value}");
      ExecEnvVar var{scalar(item, "name", place), scalar(item, "value", place)};
      if (var.name.empty()) failAt(place, item, "env: an entry has no name");
      exec.env.push_back(std::move(var));
    }
  }
  exec.provide_cluster_info = explicitTrue(node, "provideClusterInfo", place);
  exec.interactive_mode = scalar(node, "interactiveMode", place);
  exec.install_hint = scalar(node, "installHint", place);
  return exec;
}

std::string joinNames(const auto& map) {
  if (map.empty()) return "none";
  std::string out;
  for (const auto& [name, entry] : map) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

std::string readFile(const std::filesystem::path& path, std::string_view what,
                     const std::filesystem::path& kubeconfig, std::string_view where) {
  std::string error;
  auto content = detail::readSmallFile(path, error);
  if (!content) {
    fail(kubeconfig, fmt::format("{}: {} {}: cannot read: {}", where, what, path.string(), error));
  }
  return std::move(*content);
}

}  // namespace

std::optional<std::string> decodeBase64(std::string_view text) {
  std::string clean;
  clean.reserve(text.size());
  for (const char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    clean.push_back(c);
  }
  if (clean.empty()) return std::string();
  if (clean.size() % 4 != 0 || clean.size() > static_cast<std::size_t>(INT_MAX)) {
    return std::nullopt;
  }
  std::size_t padding = 0;
  for (std::size_t i = 0; i < clean.size(); ++i) {
    const char c = clean[i];
    const bool alphabet = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                          (c >= '0' && c <= '9') || c == '+' || c == '/';
    if (alphabet && padding == 0) continue;
    // '=' only as the last one or two characters.
    if (c == '=' && i + 2 >= clean.size()) {
      ++padding;
      continue;
    }
    return std::nullopt;
  }
  std::string out(clean.size() / 4 * 3, '\0');
  const int written = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(clean.data()),
                                      static_cast<int>(clean.size()));
  if (written < 0 || static_cast<std::size_t>(written) < padding) return std::nullopt;
  // EVP_DecodeBlock counts the zero bytes that stand for '=' padding.
  out.resize(static_cast<std::size_t>(written) - padding);
  return out;
}

Kubeconfig parseKubeconfig(std::string_view yaml, const std::filesystem::path& source) {
  checkNesting(yaml, source);
  Kubeconfig config;
  config.sources.push_back(source);
  const std::filesystem::path base = source.parent_path();
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    fail(source, fmt::format("malformed YAML at line {}, column {}: {}", e.mark.line + 1,
                             e.mark.column + 1, e.msg));
  }
  try {
    if (!root.IsDefined() || root.IsNull()) return config;  // an empty file is an empty config
    const Place top{&source, ""};
    if (!root.IsMap()) failAt(top, root, "expected a map (apiVersion, clusters, users, ...)");

    parseNamedList(root, "clusters", "cluster", "cluster", source, config.clusters,
                   [&](const YAML::Node& body, const Place& place, KubeconfigCluster& cluster) {
                     cluster.server = scalar(body, "server", place);
                     cluster.certificate_authority =
                         resolvePath(scalar(body, "certificate-authority", place), base);
                     cluster.certificate_authority_data =
                         base64Field(body, "certificate-authority-data", place);
                     cluster.insecure_skip_tls_verify =
                         explicitTrue(body, "insecure-skip-tls-verify", place);
                     cluster.tls_server_name = scalar(body, "tls-server-name", place);
                   });
    parseNamedList(
        root, "users", "user", "user", source, config.users,
        [&](const YAML::Node& body, const Place& place, KubeconfigUser& user) {
          user.client_certificate = resolvePath(scalar(body, "client-certificate", place), base);
          user.client_certificate_data = base64Field(body, "client-certificate-data", place);
          user.client_key = resolvePath(scalar(body, "client-key", place), base);
          user.client_key_data = base64Field(body, "client-key-data", place);
          user.token = scalar(body, "token", place);
          user.token_file = resolvePath(scalar(body, "tokenFile", place), base);
          const YAML::Node exec = body["exec"];
          if (exec.IsDefined() && !exec.IsNull()) {
            user.exec = parseExec(exec, place, base);
          }
          const YAML::Node provider = body["auth-provider"];
          user.has_auth_provider = provider.IsDefined() && !provider.IsNull();
          user.has_basic_auth =
              !scalar(body, "username", place).empty() || !scalar(body, "password", place).empty();
        });
    parseNamedList(root, "contexts", "context", "context", source, config.contexts,
                   [&](const YAML::Node& body, const Place& place, KubeconfigContext& context) {
                     context.cluster = scalar(body, "cluster", place);
                     context.user = scalar(body, "user", place);
                     context.namespace_name = scalar(body, "namespace", place);
                   });
    config.current_context = scalar(root, "current-context", top);
  } catch (const YAML::Exception& e) {
    // yaml-cpp rejects a lookup on a node of the wrong shape (e.g. a key that is a map).
    fail(source, fmt::format("unexpected YAML structure at line {}: {}", e.mark.line + 1, e.msg));
  }
  return config;
}

void mergeKubeconfig(Kubeconfig& merged, Kubeconfig next) {
  for (auto& [name, cluster] : next.clusters) merged.clusters.try_emplace(name, std::move(cluster));
  for (auto& [name, user] : next.users) merged.users.try_emplace(name, std::move(user));
  for (auto& [name, context] : next.contexts) merged.contexts.try_emplace(name, std::move(context));
  if (merged.current_context.empty()) merged.current_context = std::move(next.current_context);
  for (auto& source : next.sources) merged.sources.push_back(std::move(source));
}

Kubeconfig readKubeconfigFiles(const std::vector<std::filesystem::path>& files, bool skip_missing) {
  Kubeconfig merged;
  for (const auto& file : files) {
    std::error_code ec;
    const std::filesystem::path path = std::filesystem::absolute(file, ec);
    if (ec) fail(file, "cannot resolve path: " + ec.message());
    const auto status = std::filesystem::status(path, ec);
    if (!std::filesystem::exists(status)) {
      if (skip_missing) continue;
      fail(path, "file does not exist");
    }
    if (std::filesystem::is_directory(status)) fail(path, "is a directory, not a file");
    std::string error;
    const auto text = detail::readSmallFile(path, error, kMaxKubeconfigBytes);
    if (!text) fail(path, "cannot read: " + error);
    mergeKubeconfig(merged, parseKubeconfig(*text, path));
  }
  return merged;
}

ClusterConfig resolveKubeconfig(const Kubeconfig& kubeconfig, std::string_view context) {
  std::string label;
  for (const auto& source : kubeconfig.sources) {
    if (!label.empty()) label += ':';
    label += source.string();
  }
  const std::filesystem::path label_path(label.empty() ? std::string("(none)") : label);

  const std::string context_name(context.empty() ? kubeconfig.current_context : context);
  if (context_name.empty()) {
    fail(label_path, fmt::format("no current-context is set and no context was given (have: {})",
                                 joinNames(kubeconfig.contexts)));
  }
  const auto context_it = kubeconfig.contexts.find(context_name);
  if (context_it == kubeconfig.contexts.end()) {
    fail(label_path, fmt::format("context \"{}\" not found (have: {})", context_name,
                                 joinNames(kubeconfig.contexts)));
  }
  const KubeconfigContext& ctx = context_it->second;
  const std::string ctx_where = fmt::format("context \"{}\"", context_name);
  if (ctx.cluster.empty()) fail(ctx.source, ctx_where + ": no cluster is set");
  const auto cluster_it = kubeconfig.clusters.find(ctx.cluster);
  if (cluster_it == kubeconfig.clusters.end()) {
    fail(label_path, fmt::format("{}: cluster \"{}\" not found (have: {})", ctx_where, ctx.cluster,
                                 joinNames(kubeconfig.clusters)));
  }
  const KubeconfigCluster& cluster = cluster_it->second;
  const std::string cluster_where = fmt::format("cluster \"{}\"", ctx.cluster);

  ClusterConfig config;
  config.source = fmt::format("kubeconfig {} (context \"{}\")", label, context_name);
  config.namespace_name = ctx.namespace_name.empty() ? "default" : ctx.namespace_name;
  config.server = cluster.server;
  if (config.server.empty()) fail(cluster.source, cluster_where + ": no server is set");
  config.tls_server_name = cluster.tls_server_name;
  config.insecure_skip_tls_verify = cluster.insecure_skip_tls_verify;
  // As client-go: inline data wins over a file.
  if (!cluster.certificate_authority_data.empty()) {
    config.ca_pem = cluster.certificate_authority_data;
  } else if (!cluster.certificate_authority.empty()) {
    config.ca_pem = readFile(cluster.certificate_authority, "certificate-authority", cluster.source,
                             cluster_where);
  }
  if (config.insecure_skip_tls_verify && !config.ca_pem.empty()) {
    fail(cluster.source, cluster_where +
                             ": insecure-skip-tls-verify cannot be combined with a certificate "
                             "authority (client-go rejects it too)");
  }

  if (ctx.user.empty()) return config;  // anonymous access
  const auto user_it = kubeconfig.users.find(ctx.user);
  if (user_it == kubeconfig.users.end()) {
    fail(label_path, fmt::format("{}: user \"{}\" not found (have: {})", ctx_where, ctx.user,
                                 joinNames(kubeconfig.users)));
  }
  const KubeconfigUser& user = user_it->second;
  const std::string user_where = fmt::format("user \"{}\"", ctx.user);
  if (user.has_auth_provider) {
    fail(user.source, user_where +
                          ": auth-provider is not supported; use an exec credential "
                          "plugin (client.authentication.k8s.io/v1)");
  }
  if (user.has_basic_auth) {
    fail(user.source, user_where + ": username/password authentication is not supported");
  }
  if (!user.client_certificate_data.empty()) {
    config.client_cert_pem = user.client_certificate_data;
  } else if (!user.client_certificate.empty()) {
    config.client_cert_pem =
        readFile(user.client_certificate, "client-certificate", user.source, user_where);
  }
  if (!user.client_key_data.empty()) {
    config.client_key_pem = user.client_key_data;
  } else if (!user.client_key.empty()) {
    config.client_key_pem = readFile(user.client_key, "client-key", user.source, user_where);
  }
  if (config.client_cert_pem.empty() != config.client_key_pem.empty()) {
    fail(user.source, user_where +
                          ": a client certificate needs both client-certificate(-data) "
                          "and client-key(-data)");
  }
  config.bearer_token = user.token;
  config.token_file = user.token_file;
  if (user.exec) {
    const ExecConfig& exec = *user.exec;
    if (exec.api_version != "client.authentication.k8s.io/v1" &&
        exec.api_version != "client.authentication.k8s.io/v1beta1") {
      fail(user.source, fmt::format("{}: exec: apiVersion \"{}\" is not supported (want "
                                    "client.authentication.k8s.io/v1 or v1beta1)",
                                    user_where, exec.api_version));
    }
    if (exec.command.empty()) fail(user.source, user_where + ": exec: no command is set");
    if (exec.interactive_mode == "Always") {
      fail(user.source, user_where +
                            ": exec: interactiveMode Always needs a terminal; keelson "
                            "runs plugins non-interactively");
    }
    config.exec = exec;
  }
  return config;
}

}  // namespace keelson::kube
