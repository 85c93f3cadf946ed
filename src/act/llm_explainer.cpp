#include "act/llm_explainer.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>

#include "core/error.h"
#include "core/redact.h"
#include "net/http_client.h"

namespace keelson::act {
namespace {

using nlohmann::json;

constexpr const char* kSystemPrompt =
    "You help a Kubernetes operator decide on a remediation. From the finding and the proposed "
    "action below, explain in at most five sentences what the evidence shows, the likely cause, "
    "and whether the proposed action fits or what to check first. Use only the facts given.";

bool loopbackHost(std::string host) {
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (host == "localhost" || host == "[::1]" || host == "::1") return true;
  if (host.rfind("127.", 0) != 0) return false;
  return std::all_of(host.begin(), host.end(),
                     [](unsigned char c) { return std::isdigit(c) != 0 || c == '.'; });
}

// The host of an http(s) URL: after the scheme, before the port, path, query or fragment; "" when
// the URL has userinfo.
std::string urlHost(const std::string& url) {
  std::string rest = url.substr(url.find("://") + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  // Credentials belong in the header, and userinfo makes the host ambiguous to readers.
  if (rest.find('@') != std::string::npos) return "";
  if (!rest.empty() && rest.front() == '[') return rest.substr(0, rest.find(']') + 1);
  return rest.substr(0, rest.find(':'));
}

std::string trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

}  // namespace

void checkLlmBaseUrl(const std::string& url) {
  if (url.rfind("https://", 0) == 0 && !urlHost(url).empty()) return;
  if (url.rfind("http://", 0) == 0) {
    if (loopbackHost(urlHost(url))) return;
    throw Error(ErrorCode::kBadInput,
                fmt::format("OPENAI_BASE_URL {}: http:// is allowed only to localhost (the API "
                            "key would cross the network in clear text); use https://",
                            url));
  }
  throw Error(ErrorCode::kBadInput,
              fmt::format("OPENAI_BASE_URL {}: expected an https:// URL", url));
}

std::string llmPrompt(const analysis::Finding& finding, const Proposal& proposal) {
  const analysis::Subject& s = finding.subject;
  std::string text =
      fmt::format("Finding {}: {} ({}) about {} {}\nkeelson's explanation: {}\nEvidence: series {}",
                  finding.id, finding.kind, finding.severity, s.kind,
                  s.namespace_name.empty() ? s.name : s.namespace_name + "/" + s.name,
                  finding.explanation, finding.evidence.series);
  if (!finding.evidence.recent_values.empty()) {
    text += fmt::format("; recent values (oldest first): {}",
                        fmt::join(finding.evidence.recent_values, ", "));
  }
  if (finding.evidence.expected_range) {
    text += fmt::format("; expected range {} to {}", finding.evidence.expected_range->first,
                        finding.evidence.expected_range->second);
  }
  if (finding.evidence.score)
    text += fmt::format("; anomaly score {:.2f}", *finding.evidence.score);
  text += "\n";
  for (const auto& [name, value] : finding.evidence.details) {
    if (core::isCredentialName(name)) continue;
    text += fmt::format("{}: {}\n", name, value);
  }
  text += fmt::format("Proposed action: {}\nWhy: {}\n", describeAction(proposal.action),
                      proposal.reason);
  for (const std::string& change : proposal.changes) text += "Change: " + change + "\n";
  return core::redactCommandLine(text);
}

json llmRequestBody(const std::string& model, const std::string& prompt) {
  return {{"model", model},
          {"messages", json::array({{{"role", "system"}, {"content", kSystemPrompt}},
                                    {{"role", "user"}, {"content", prompt}}})},
          {"temperature", 0.2}};
}

std::string llmLabel(const std::string& model) {
  return fmt::format("LLM explanation (model {}, may be wrong):", model);
}

LlmExplainer::LlmExplainer(LlmOptions options) : options_(std::move(options)) {
  checkLlmBaseUrl(options_.base_url);
  if (options_.api_key.empty()) {
    throw Error(ErrorCode::kBadInput, "--enable-llm: OPENAI_API_KEY is not set");
  }
  net::HttpClientOptions client_options;
  client_options.connect_timeout = std::min(options_.timeout, std::chrono::milliseconds(10000));
  client_options.request_timeout = options_.timeout;
  net::Endpoint endpoint;
  endpoint.base_url = options_.base_url;
  client_ = std::make_unique<net::HttpClient>(std::move(endpoint), client_options);
}

LlmExplainer::~LlmExplainer() = default;

std::string LlmExplainer::explain(const analysis::Finding& finding, const Proposal& proposal,
                                  std::stop_token stop) const {
  net::HttpRequest request;
  request.method = "POST";
  request.path = "/chat/completions";
  request.body = llmRequestBody(options_.model, llmPrompt(finding, proposal)).dump();
  request.headers = {{"Content-Type", "application/json"},
                     {"Accept", "application/json"},
                     {"Authorization", "Bearer " + options_.api_key}};
  request.timeout = options_.timeout;
  request.stop = std::move(stop);
  // A completion costs money and is not idempotent: retry only when nothing reached the server.
  net::RetryPolicy retry = net::RetryPolicy::none();
  retry.retry_connect_failures = true;
  retry.max_attempts = 2;
  request.retry = retry;
  const net::HttpResponse response = client_->request(request);
  if (response.status < 200 || response.status > 299) {
    std::string message;
    try {
      message = json::parse(response.body).at("error").at("message").get<std::string>();
    } catch (const std::exception&) {
      message = response.body.substr(0, 200);
    }
    throw Error(ErrorCode::kUnavailable, fmt::format("{}/chat/completions: HTTP {}: {}",
                                                     client_->baseUrl(), response.status, message));
  }
  try {
    const json answer = json::parse(response.body);
    return trimmed(answer.at("choices").at(0).at("message").at("content").get<std::string>());
  } catch (const std::exception& e) {
    throw Error(ErrorCode::kInternal, fmt::format("{}/chat/completions: not a chat completion: {}",
                                                  client_->baseUrl(), e.what()));
  }
}

}  // namespace keelson::act
