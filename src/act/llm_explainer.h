#pragma once

// Optional explanations of a proposal by a language model (`keelson remediate --enable-llm`):
// one POST to an OpenAI-compatible chat-completions server ({base}/chat/completions), whose
// answer is shown as clearly labelled, possibly wrong, text beside the proposal.
//
// What is sent is built from the finding and the proposal only (never from the cluster's
// objects), leaves out every evidence detail whose name looks like a credential, and goes through
// core::redactCommandLine, so no Secret, environment value or token reaches the server. The API
// key travels only in the Authorization header.

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <stop_token>
#include <string>

#include "act/proposal.h"
#include "analysis/insights.h"

namespace keelson::net {
class HttpClient;
}

namespace keelson::act {

/// Where and how to ask.
struct LlmOptions {
  std::string base_url = "https://api.openai.com/v1";  ///< OPENAI_BASE_URL.
  std::string api_key;                                 ///< OPENAI_API_KEY (required).
  std::string model = "gpt-4o-mini";                   ///< --llm-model.
  std::chrono::milliseconds timeout{30000};            ///< One request, connection included.
};

/// Throws Error(kBadInput) naming the URL unless it is https://, or http:// to a loopback host
/// (localhost, 127.0.0.0/8, ::1): a key must not cross a network in clear text. Pure.
void checkLlmBaseUrl(const std::string& url);

/// The user message: the finding's kind, subject, explanation and evidence, and the proposed
/// action and its reason, redacted. Pure.
std::string llmPrompt(const analysis::Finding& finding, const Proposal& proposal);

/// The chat-completions request body for `model` and `prompt`. Pure.
nlohmann::json llmRequestBody(const std::string& model, const std::string& prompt);

/// The label shown before an answer: "LLM explanation (model M, may be wrong):".
std::string llmLabel(const std::string& model);

/// Asks the server. Thread-safety: thread-safe (the HTTP client is).
class LlmExplainer {
 public:
  /// Throws Error(kBadInput) for a base URL checkLlmBaseUrl refuses or an empty API key.
  explicit LlmExplainer(LlmOptions options);
  ~LlmExplainer();
  LlmExplainer(const LlmExplainer&) = delete;
  LlmExplainer& operator=(const LlmExplainer&) = delete;

  /// The answer's text (choices[0].message.content, trimmed). Throws Error: kTimeout when the
  /// server did not answer within the timeout, kUnavailable when it cannot be reached or
  /// answered a non-2xx status (the message has the status and the server's error message),
  /// kInternal when the answer is not a chat completion.
  std::string explain(const analysis::Finding& finding, const Proposal& proposal,
                      std::stop_token stop = {}) const;

  /// The model asked.
  const std::string& model() const noexcept { return options_.model; }

 private:
  LlmOptions options_;
  std::unique_ptr<net::HttpClient> client_;
};

}  // namespace keelson::act
