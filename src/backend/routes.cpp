#include "backend/routes.h"

#include <charconv>
#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "backend/credentials.h"
#include "backend/json_fields.h"
#include "core/error.h"

namespace keelson::backend {
namespace {

using nlohmann::json;
using server::Request;
using server::Response;

Response jsonResponse(const json& body, int status = 200) {
  return Response::text(body.dump(), "application/json", status);
}

// The protocol's error body {"error": "..."}; 429 and 503 ask to retry in a second.
Response errorResponse(const Error& error) {
  Response response = jsonResponse({{"error", error.what()}}, server::httpStatusFor(error.code()));
  if (response.status == 429 || response.status == 503) {
    response.headers.emplace_back("Retry-After", "1");
  }
  return response;
}

// A handler whose keelson::Errors become the protocol's error bodies.
server::Handler protocolHandler(std::function<Response(const Request&)> body) {
  return [body = std::move(body)](const Request& request) {
    try {
      return body(request);
    } catch (const Error& e) {
      return errorResponse(e);
    }
  };
}

// ?wait=SECONDS: a non-negative integer; absent: 0 (answer at once).
std::chrono::seconds waitParameter(const Request& request) {
  const std::optional<std::string> text = request.query("wait");
  if (!text) return std::chrono::seconds(0);
  long long seconds = -1;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), seconds);
  if (ec != std::errc() || end != text->data() + text->size() || seconds < 0) {
    throw Error(ErrorCode::kBadInput, "wait=" + *text + ": expected whole seconds >= 0");
  }
  return std::chrono::seconds(seconds);
}

struct Counters {
  explicit Counters(server::Registry& registry)
      : batches_received(registry.counter("keelson_backend_batches_received_total",
                                          "Metric batches stored (first receipt of a batchId).")),
        batches_duplicate(registry.counter(
            "keelson_backend_batches_duplicate_total",
            "Metric batches received again (a batchId already stored): answered, not stored.")),
        actions_created(registry.counter("keelson_backend_actions_created_total",
                                         "Signed actions created by operators.")),
        actions_delivered(
            registry.counter("keelson_backend_actions_delivered_total",
                             "Actions handed to agents by long polls, each redelivery counted.")),
        results_received(registry.counter("keelson_backend_results_received_total",
                                          "Action results stored (first receipt per action).")) {}

  server::CounterFamily& batches_received;
  server::CounterFamily& batches_duplicate;
  server::CounterFamily& actions_created;
  server::CounterFamily& actions_delivered;
  server::CounterFamily& results_received;
};

json receipt(bool already_received) { return {{"alreadyReceived", already_received}}; }

}  // namespace

void addBackendRoutes(server::Router& router, Backend& backend, server::Registry& registry) {
  auto counters = std::make_shared<Counters>(registry);
  const server::RouteOptions agent = accessFor(Audience::kAgent);
  const server::RouteOptions operator_only = accessFor(Audience::kOperator);
  const auto body = [](const Request& request) { return parseObject(request.body, "body"); };

  router.add("POST", "/v1/agents/register", protocolHandler([&backend, body](const Request& r) {
               return jsonResponse(backend.registerAgent(body(r)));
             }),
             agent);
  router.add("POST", "/v1/agents/{agentId}/heartbeat",
             protocolHandler([&backend, body](const Request& r) {
               return jsonResponse(backend.heartbeat(r.param("agentId"), body(r)));
             }),
             agent);
  router.add("POST", "/v1/agents/{agentId}/metrics",
             protocolHandler([&backend, body, counters](const Request& r) {
               const bool again = backend.receiveBatch(r.param("agentId"), body(r)) ==
                                  BatchOutcome::kAlreadyReceived;
               (again ? counters->batches_duplicate : counters->batches_received).inc();
               return jsonResponse(receipt(again));
             }),
             agent);
  router.get("/v1/agents/{agentId}/actions",
             protocolHandler([&backend, counters](const Request& r) {
               Delivery delivery =
                   backend.pollActions(r.param("agentId"), waitParameter(r), r.cancellation);
               counters->actions_delivered.inc({}, static_cast<double>(delivery.count));
               return jsonResponse(delivery.body);
             }),
             agent);
  router.add("POST", "/v1/agents/{agentId}/actions/{actionId}/result",
             protocolHandler([&backend, body, counters](const Request& r) {
               const bool stored =
                   backend.receiveResult(r.param("agentId"), r.param("actionId"), body(r));
               if (stored) counters->results_received.inc();
               return jsonResponse(receipt(!stored));
             }),
             agent);
  router.add("DELETE", "/v1/agents/{agentId}", protocolHandler([&backend](const Request& r) {
               backend.deregister(r.param("agentId"));
               return jsonResponse(json::object());
             }),
             agent);

  router.add("POST", "/v1/clusters/{clusterId}/actions",
             protocolHandler([&backend, body, counters](const Request& r) {
               json created = backend.createAction(r.param("clusterId"), body(r));
               counters->actions_created.inc();
               return jsonResponse(created, 201);
             }),
             operator_only);
  router.get("/v1/actions/{id}", protocolHandler([&backend](const Request& r) {
               return jsonResponse(backend.action(r.param("id")));
             }),
             operator_only);
  router.get("/v1/status",
             protocolHandler([&backend](const Request&) { return jsonResponse(backend.status()); }),
             operator_only);
  router.get("/v1/agents/{agentId}/batches", protocolHandler([&backend](const Request& r) {
               return jsonResponse(backend.batches(r.param("agentId")));
             }),
             operator_only);
  router.get("/v1/agents/{agentId}/batches/{batchId}",
             protocolHandler([&backend](const Request& r) {
               return jsonResponse(backend.batch(r.param("agentId"), r.param("batchId")));
             }),
             operator_only);
}

}  // namespace keelson::backend
