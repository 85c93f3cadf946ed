#include "app/agent.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "app/capture.h"
#include "app/cluster_access.h"
#include "app/health_endpoints.h"
#include "app/supervisor.h"
#include "core/clock.h"
#include "core/log.h"
#include "host/hostname.h"
#include "host/self_usage.h"
#include "kube/event.h"
#include "kube/list.h"
#include "link/action_handler.h"
#include "link/backoff.h"
#include "link/metric_items.h"
#include "net/websocket_client.h"
#include "server/metrics.h"
#include "server/server.h"
#include "store/agent_state.h"
#include "store/audit_log.h"

namespace keelson::app {
namespace {

using nlohmann::json;
using std::chrono::seconds;

constexpr const char* kVersion = KEELSON_VERSION;

std::uint64_t directoryBytes(const std::filesystem::path& dir) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.is_regular_file(ec)) total += entry.file_size(ec);
  }
  return total;
}

std::optional<seconds> retryAfterOf(const std::exception& e) {
  if (const auto* b = dynamic_cast<const link::BackendError*>(&e)) return b->retryAfter();
  return std::nullopt;
}

store::AgentStateOptions stateOptions(const AgentOptions& options) {
  store::AgentStateOptions out;
  out.outbox_max_bytes = options.buffer_max_bytes;
  return out;
}

// Everything the components share.
class Agent {
 public:
  explicit Agent(const AgentOptions& options)
      : options_(options),
        state_(store::AgentState::open(options.state_dir / "agent.db", stateOptions(options))),
        audit_(store::AuditLog::open(options.state_dir / "audit.db")),
        access_(options.kube, ClientProfile::kService, options.api_timeout),
        backend_(options.backend, options.backend_timeout),
        agent_id_(state_.agentId(options.agent_id)),
        handler_(state_, audit_, access_.client(),
                 {options.secret_key, options.cluster_id, agent_id_, seconds(300)}, options.policy),
        collection_interval_(options.collection_interval.count()),
        poll_interval_(options.action_poll_interval.count()),
        batch_size_(static_cast<std::int64_t>(options.batch_size)) {
    addComponents();
    addMetrics();
  }

  int run(const std::stop_token& stop) {
    server::Server health(healthServerOptions(options_.address, options_.port, registry_),
                          healthRoutes([this] { return readiness(); }, registry_));
    health.start();
    core::logEvent(spdlog::level::info, "agent: started",
                   {{"agent_id", agent_id_},
                    {"cluster_id", options_.cluster_id},
                    {"backend", options_.backend.url},
                    {"port", static_cast<std::int64_t>(health.port())}});
    supervisor_.start();
    std::mutex mutex;
    std::condition_variable_any never;
    std::unique_lock lock(mutex);
    never.wait(lock, stop, [] { return false; });
    shutDown();
    health.stop(std::chrono::seconds(1));
    return 0;
  }

 private:
  // ----- session: register, then heartbeat ------------------------------------------------
  void session(const std::stop_token& stop, const std::function<void()>& running) {
    link::Backoff backoff;
    const auto clock = core::systemClock();
    while (!stop.stop_requested()) {
      std::chrono::seconds interval{30};
      try {
        const link::Registration r = backend_.registerAgent(registration(), stop);
        interval = r.heartbeat_interval;
        applyConfig(r.config);
        setRegistered(true);
        backoff.reset();
        running();
        core::logEvent(spdlog::level::info, "agent: registered",
                       {{"agent_id", agent_id_},
                        {"heartbeat_interval_s", static_cast<std::int64_t>(interval.count())}});
      } catch (const Error& e) {
        warn("register", e);
        if (!clock->sleepFor(backoff.next(retryAfterOf(e)), stop)) return;
        continue;
      }
      while (clock->sleepFor(interval, stop)) {
        try {
          if (auto config = backend_.heartbeat(agent_id_, heartbeatBody(), stop)) {
            applyConfig(*config);
          }
          backoff.reset();
        } catch (const Error& e) {
          warn("heartbeat", e);
          if (e.code() == ErrorCode::kNotFound) break;  // the backend forgot us: register again
          if (!clock->sleepFor(backoff.next(retryAfterOf(e)), stop)) return;
        }
      }
      if (stop.stop_requested()) return;  // still registered: shutDown deregisters
      setRegistered(false);
    }
  }

  link::RegisterRequest registration() {
    link::RegisterRequest r;
    r.cluster_id = options_.cluster_id;
    r.agent_id = agent_id_;
    r.version = kVersion;
    r.hostname = host::processHostName();
    try {
      // Quickly or not at all: an API server that is away must not hold up registration.
      const auto client = access_.makeClient(ClientProfile::kInteractive, std::chrono::seconds(5));
      r.kubernetes_version = json::parse(client->get("/version")).value("gitVersion", "");
    } catch (const std::exception&) {
      r.kubernetes_version = "";
    }
    r.capabilities.assign(options_.policy.allowed_verbs.begin(),
                          options_.policy.allowed_verbs.end());
    return r;
  }

  json heartbeatBody() const {
    json components = json::array();
    for (const ComponentHealth& h : supervisor_.health()) {
      components.push_back({{"name", h.name},
                            {"state", componentStateName(h.state)},
                            {"restarts", h.restarts},
                            {"lastError", h.last_error}});
    }
    const host::SelfUsage self = host::selfUsage();
    const store::OutboxStats outbox = state_.stats();
    return {{"clusterId", options_.cluster_id},
            {"agentId", agent_id_},
            {"timestamp", kube::formatTimeMillis(core::systemClock()->wallNow())},
            {"components", std::move(components)},
            {"process",
             {{"cpuSeconds", self.cpu_seconds},
              {"memoryBytes", self.rss_bytes},
              {"stateDirBytes", directoryBytes(options_.state_dir)}}},
            {"outbox",
             {{"batches", outbox.batches},
              {"bytes", outbox.bytes},
              {"droppedBatches", outbox.dropped_batches},
              {"droppedBytes", outbox.dropped_bytes}}}};
  }

  // Settings the backend may change live; anything else in a config is ignored (and never the
  // local policy).
  void applyConfig(const json& config) {
    if (!config.is_object()) return;
    const auto positive = [&](const char* name, auto& target) {
      const auto it = config.find(name);
      if (it != config.end() && it->is_number_integer() && it->template get<std::int64_t>() > 0) {
        target = it->template get<std::int64_t>();
      }
    };
    positive("collectionIntervalSeconds", collection_interval_);
    positive("actionPollIntervalSeconds", poll_interval_);
    positive("batchSize", batch_size_);
  }

  // ----- collector: the cluster into the outbox -------------------------------------------
  void collector(const std::stop_token& stop, const std::function<void()>& running) {
    const auto clock = core::systemClock();
    kube::Time since = clock->wallNow() - options_.collection_interval;
    while (!stop.stop_requested()) {
      const kube::Time now = clock->wallNow();
      std::string metrics_error;
      const analysis::ClusterState cluster = listClusterState(access_.client(), metrics_error);
      kube::ListOptions warnings;
      warnings.field_selector = "type=Warning";
      const auto events =
          kube::listAll<kube::Event>(access_.client(), "/api/v1/events", warnings).items;
      std::vector<json> items = link::clusterItems(analysis::summarizeCluster(cluster), now);
      for (json& e : link::eventItems(events, since)) items.push_back(std::move(e));
      for (std::string& batch : link::batches(items, static_cast<std::size_t>(batch_size_))) {
        state_.append(std::move(batch));
        batches_made_.fetch_add(1);
      }
      since = now;
      wakeSender();
      running();
      if (!clock->sleepFor(seconds(collection_interval_.load()), stop)) return;
    }
  }

  // ----- sender: the outbox and stored results to the backend -----------------------------
  void sender(const std::stop_token& stop, const std::function<void()>& running) {
    link::Backoff backoff;
    while (!stop.stop_requested()) {
      if (!waitRegistered(stop)) return;
      running();
      try {
        const bool more = sendRound(stop);
        backoff.reset();
        if (!more) waitForWork(stop, std::chrono::seconds(1));
      } catch (const Error& e) {
        warn("send", e);
        if (e.code() == ErrorCode::kNotFound) setRegistered(false);
        if (!core::systemClock()->sleepFor(backoff.next(retryAfterOf(e)), stop)) return;
      }
    }
  }

  // Sends up to a few batches and every unacknowledged result; true when batches are left.
  bool sendRound(const std::stop_token& stop) {
    for (const store::StoredResult& r : state_.unacknowledgedResults()) {
      backend_.postResult(agent_id_, r.action_id, json::parse(r.result_json), stop);
      state_.acknowledgeResult(r.action_id);
    }
    const auto entries = state_.peek(16);
    for (const store::OutboxEntry& entry : entries) {
      if (stop.stop_requested()) return true;
      backend_.sendBatch(agent_id_, entry, stop);
      state_.remove(entry.sequence);
      batches_sent_.fetch_add(1);
    }
    return entries.size() == 16;
  }

  // ----- websocket, commands and actuator -----------------------------------------------------
  void websocket(const std::stop_token& stop, const std::function<void()>& running) {
    link::Backoff backoff;
    const auto clock = core::systemClock();
    while (!stop.stop_requested()) {
      if (!waitRegistered(stop)) return;
      running();
      core::SteadyTime connected{};
      try {
        auto ws = net::WebSocketClient::connect(webSocketOptions(), stop);
        ws->send(json{{"type", "hello"}, {"agentId", agent_id_}}.dump());
        connected = clock->steadyNow();
        setWebSocketUp(true);
        while (const auto text = ws->read(stop)) {
          if (auto id = enqueuePushed(*text)) {
            ws->send(json{{"type", "ack"}, {"id", *id}}.dump());
          }
        }
      } catch (const Error& e) {
        warn("websocket", e);
      }
      setWebSocketUp(false);
      // A connection that held for a minute was stable: the next failure starts over.
      if (connected != core::SteadyTime{} &&
          clock->steadyNow() - connected >= std::chrono::minutes(1)) {
        backoff.reset();
      }
      if (!clock->sleepFor(backoff.next(), stop)) return;
    }
  }

  net::WebSocketOptions webSocketOptions() const {
    net::WebSocketOptions o;
    o.url = options_.backend_ws_url;
    o.headers = {{"Authorization", "Bearer " + options_.backend.api_key}};
    o.ca_file = options_.backend.ca_file;
    o.client_cert_file = options_.backend.client_cert_file;
    o.client_key_file = options_.backend.client_key_file;
    return o;
  }

  // Queues a pushed {"type": "action"|"config", "payload", "signature"} for the actuator and
  // returns the payload's id to acknowledge; nullopt for anything else.
  std::optional<std::string> enqueuePushed(const std::string& text) {
    try {
      json message = json::parse(text);
      const std::string type = message.value("type", "");
      if (type != "action" && type != "config") return std::nullopt;
      const std::string id = json::parse(message.value("payload", "{}")).value("id", std::string());
      received_.inc({"websocket"});
      const std::lock_guard lock(mutex_);
      queue_.push_back(std::move(message));
      changed_.notify_all();
      return id;
    } catch (const json::exception&) {
      return std::nullopt;  // not the protocol; the verifier never sees it
    }
  }

  void commands(const std::stop_token& stop, const std::function<void()>& running) {
    link::Backoff backoff;
    running();  // idle while the WebSocket is up is healthy too
    while (!stop.stop_requested()) {
      if (!waitForPolling(stop)) return;
      try {
        auto messages = backend_.pollActions(agent_id_, seconds(poll_interval_.load()), stop);
        backoff.reset();
        received_.inc({"poll"}, static_cast<double>(messages.size()));
        const std::lock_guard lock(mutex_);
        for (json& m : messages) queue_.push_back(std::move(m));
        changed_.notify_all();
      } catch (const Error& e) {
        if (stop.stop_requested()) return;
        warn("poll actions", e);
        if (e.code() == ErrorCode::kNotFound) setRegistered(false);
        if (!core::systemClock()->sleepFor(backoff.next(retryAfterOf(e)), stop)) return;
      }
    }
  }

  void actuator(const std::stop_token& stop, const std::function<void()>& running) {
    running();
    while (true) {
      json message;
      {
        // Queued messages not started when stopping are not run: the backend delivers them
        // again until they have a result.
        std::unique_lock lock(mutex_);
        if (!changed_.wait(lock, stop, [&] { return !queue_.empty(); }) || stop.stop_requested()) {
          return;
        }
        message = std::move(queue_.front());
        queue_.pop_front();
      }
      // The running action is not stopped with the component: only when the drain time is up.
      const link::Handled handled = handler_.handle(message, action_stop_.get_token());
      if (handled.config) applyConfig(*handled.config);
      if (!handled.result) continue;
      actions_.inc({handled.result->value("status", "unknown")});
      if (handled.stored) {
        wakeSender();
      } else if (!handled.id.empty()) {
        try {  // reported once, best effort (see link::Handled::stored)
          backend_.postResult(agent_id_, handled.id, *handled.result, stop);
        } catch (const Error& e) {
          warn("report rejection", e);
        }
      }
    }
  }

  // ----- shutdown -------------------------------------------------------------------------
  void shutDown() {
    core::logEvent(spdlog::level::info, "agent: stopping", {});
    supervisor_.stop("commands");
    supervisor_.stop("collector");
    const auto clock = core::systemClock();
    const core::SteadyTime deadline = clock->steadyNow() + options_.drain_timeout;
    {
      // The action in flight may run until the drain time is up.
      std::jthread watchdog([this, deadline, clock](const std::stop_token& done) {
        if (clock->sleepUntil(deadline, done)) action_stop_.request_stop();
      });
      supervisor_.stop("actuator");
    }
    supervisor_.stop("sender");
    std::stop_source flush_stop;
    std::jthread flush_deadline([&flush_stop, deadline, clock](const std::stop_token& done) {
      if (clock->sleepUntil(deadline, done)) flush_stop.request_stop();
    });
    try {
      while (registered() && clock->steadyNow() < deadline && sendRound(flush_stop.get_token())) {
      }
    } catch (const Error& e) {
      warn("flush", e);
    }
    supervisor_.stop("session");
    if (registered()) {
      try {
        backend_.deregister(agent_id_);
      } catch (const Error& e) {
        warn("deregister", e);
      }
    }
    const store::OutboxStats left = state_.stats();
    core::logEvent(spdlog::level::info, "agent: stopped",
                   {{"outbox_batches_left", static_cast<std::int64_t>(left.batches)}});
  }

  // ----- plumbing -------------------------------------------------------------------------
  void addComponents() {
    const auto add = [this](const char* name, auto member) {
      supervisor_.add(name, [this, member](std::stop_token stop, const std::function<void()>& up) {
        (this->*member)(stop, up);
      });
    };
    add("session", &Agent::session);
    add("collector", &Agent::collector);
    add("sender", &Agent::sender);
    if (!options_.backend_ws_url.empty()) add("websocket", &Agent::websocket);
    add("commands", &Agent::commands);
    add("actuator", &Agent::actuator);
  }

  void addMetrics() {
    registry_->callbackGauge(
        "keelson_agent_component_up", "1 when the component is running, 0 otherwise.",
        {"component"}, [this] {
          std::vector<server::GaugeSample> out;
          for (const ComponentHealth& h : supervisor_.health()) {
            out.push_back({{h.name}, h.state == ComponentState::kRunning ? 1.0 : 0.0});
          }
          return out;
        });
    registry_->callbackGauge("keelson_agent_component_restarts",
                             "Times the component failed and was restarted.", {"component"},
                             [this] {
                               std::vector<server::GaugeSample> out;
                               for (const ComponentHealth& h : supervisor_.health()) {
                                 out.push_back({{h.name}, static_cast<double>(h.restarts)});
                               }
                               return out;
                             });
    registry_->callbackGauge("keelson_agent_outbox",
                             "The outbox on disk: batches, bytes, and drops past the bound.",
                             {"figure"}, [this] {
                               const store::OutboxStats s = state_.stats();
                               return std::vector<server::GaugeSample>{
                                   {{"batches"}, static_cast<double>(s.batches)},
                                   {{"bytes"}, static_cast<double>(s.bytes)},
                                   {{"dropped_batches"}, static_cast<double>(s.dropped_batches)},
                                   {{"dropped_bytes"}, static_cast<double>(s.dropped_bytes)}};
                             });
    registry_->callbackGauge("keelson_agent_batches", "Metric batches made and sent.", {"state"},
                             [this] {
                               return std::vector<server::GaugeSample>{
                                   {{"made"}, static_cast<double>(batches_made_.load())},
                                   {{"sent"}, static_cast<double>(batches_sent_.load())}};
                             });
    registry_->callbackGauge(
        "keelson_agent_websocket_connected", "1 while the WebSocket to the backend is up.", {},
        [this] {
          const std::lock_guard lock(mutex_);
          return std::vector<server::GaugeSample>{{{}, websocket_up_ ? 1.0 : 0.0}};
        });
    registry_->callbackGauge("process_resident_memory_bytes", "Resident memory size in bytes.", {},
                             [] {
                               return std::vector<server::GaugeSample>{
                                   {{}, static_cast<double>(host::selfUsage().rss_bytes)}};
                             });
    registry_->callbackGauge("process_cpu_seconds", "User and system CPU time in seconds.", {}, [] {
      return std::vector<server::GaugeSample>{{{}, host::selfUsage().cpu_seconds}};
    });
  }

  Readiness readiness() const {
    json components = json::object();
    for (const ComponentHealth& h : supervisor_.health()) {
      components[h.name] = componentStateName(h.state);
    }
    const bool ready = registered() && supervisor_.allRunning();
    return {ready,
            json{{"ready", ready}, {"registered", registered()}, {"components", components}}};
  }

  void setRegistered(bool value) {
    const std::lock_guard lock(mutex_);
    registered_ = value;
    changed_.notify_all();
  }
  bool registered() const {
    const std::lock_guard lock(mutex_);
    return registered_;
  }
  bool waitRegistered(const std::stop_token& stop) {
    std::unique_lock lock(mutex_);
    return changed_.wait(lock, stop, [this] { return registered_; });
  }
  // The long poll runs while registered and the WebSocket is not up.
  bool waitForPolling(const std::stop_token& stop) {
    std::unique_lock lock(mutex_);
    return changed_.wait(lock, stop, [this] { return registered_ && !websocket_up_; });
  }
  void setWebSocketUp(bool up) {
    const std::lock_guard lock(mutex_);
    websocket_up_ = up;
    changed_.notify_all();
  }
  void wakeSender() {
    const std::lock_guard lock(mutex_);
    ++work_;
    changed_.notify_all();
  }
  void waitForWork(const std::stop_token& stop, std::chrono::milliseconds at_most) {
    std::unique_lock lock(mutex_);
    const std::uint64_t seen = work_;
    changed_.wait_for(lock, stop, at_most, [&] { return work_ != seen; });
  }
  static void warn(const char* what, const Error& e) {
    core::logEvent(spdlog::level::warn, "agent: backend link",
                   {{"step", what}, {"error", e.what()}});
  }

  const AgentOptions& options_;
  store::AgentState state_;
  store::AuditLog audit_;
  ClusterAccess access_;
  link::BackendClient backend_;
  std::string agent_id_;
  link::ActionHandler handler_;
  std::atomic<std::int64_t> collection_interval_;
  std::atomic<std::int64_t> poll_interval_;
  std::atomic<std::int64_t> batch_size_;
  std::atomic<std::uint64_t> batches_made_{0};
  std::atomic<std::uint64_t> batches_sent_{0};
  std::shared_ptr<server::Registry> registry_ = std::make_shared<server::Registry>();
  server::CounterFamily& actions_ = registry_->counter(
      "keelson_agent_actions_total", "Signed messages handled, by result status.", {"status"});
  server::CounterFamily& received_ =
      registry_->counter("keelson_agent_messages_received_total",
                         "Signed messages received, by channel (websocket, poll).", {"channel"});
  std::stop_source action_stop_;
  mutable std::mutex mutex_;
  std::condition_variable_any changed_;
  bool registered_ = false;
  bool websocket_up_ = false;
  std::uint64_t work_ = 0;
  std::deque<json> queue_;
  Supervisor supervisor_;  // last: its threads stop before the members they use go
};

}  // namespace

int runAgent(const AgentOptions& options, const std::stop_token& stop) {
  Agent agent(options);
  return agent.run(stop);
}

}  // namespace keelson::app
