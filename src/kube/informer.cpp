#include "kube/informer.h"

#include <fmt/format.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "core/error.h"
#include "core/log.h"
#include "kube/api_error.h"

namespace keelson::kube {

namespace {

// A watch that ends normally sooner than this, without any event, counts as a failure.
constexpr std::chrono::milliseconds kShortWatch{100};

}  // namespace

std::chrono::milliseconds informerBackoffDelay(const InformerBackoff& backoff, int failures,
                                               double unit_random) noexcept {
  const auto cap = std::max<std::int64_t>(backoff.max.count(), 0);
  std::int64_t delay = std::max<std::int64_t>(backoff.initial.count(), 0);
  for (int i = 1; i < failures && delay < cap; ++i) delay *= 2;
  delay = std::min(delay, cap);
  const double jitter = std::clamp(backoff.jitter, 0.0, 1.0);
  const double unit = std::clamp(unit_random, 0.0, 1.0);
  const auto scaled =
      static_cast<std::int64_t>(std::ceil(static_cast<double>(delay) * (1.0 - jitter * unit)));
  return std::chrono::milliseconds(std::clamp<std::int64_t>(scaled, 0, cap));
}

InformerBase::InformerBase(const Client& client, InformerOptions options)
    : client_(client), options_(std::move(options)) {
  status_.resource = options_.resource;
  std::random_device device;
  random_state_ = (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

InformerBase::~InformerBase() { stop(); }

void InformerBase::start() {
  if (thread_.joinable()) return;
  thread_ = std::jthread([this](std::stop_token) { run(stop_source_.get_token()); });
}

void InformerBase::stop() noexcept {
  stop_source_.request_stop();
  {
    // Wake waitForSync() callers.
    std::lock_guard lock(mutex_);
  }
  synced_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool InformerBase::waitForSync(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return options_.clock->waitFor(lock, synced_cv_, stop_source_.get_token(), timeout,
                                 [this] { return status_.has_synced; });
}

bool InformerBase::hasSynced() const {
  std::lock_guard lock(mutex_);
  return status_.has_synced;
}

void InformerBase::requireNotStarted(std::string_view what) const {
  if (thread_.joinable()) {
    throw Error(ErrorCode::kConflict, fmt::format("informer {}: {} must be added before start()",
                                                  options_.resource, what));
  }
}

void InformerBase::runHandler(const std::function<void()>& call) noexcept {
  try {
    call();
    return;
  } catch (const std::exception& e) {
    core::logEvent(spdlog::level::warn, "informer: event handler failed",
                   {{"resource", options_.resource}, {"error", e.what()}});
  } catch (...) {
    core::logEvent(spdlog::level::warn,
                   "informer: event handler failed with a non-standard exception",
                   {{"resource", options_.resource}});
  }
  std::lock_guard lock(mutex_);
  ++status_.handler_errors;
}

InformerStatus InformerBase::status() const {
  std::size_t objects = objectCount();
  std::lock_guard lock(mutex_);
  InformerStatus copy = status_;
  copy.objects = objects;
  return copy;
}

InformerFreshness InformerBase::freshness() const {
  std::lock_guard lock(mutex_);
  return status_;
}

double InformerBase::unitRandom() {
  if (options_.unit_random) return options_.unit_random();
  // splitmix64: enough for jitter, and owned by the informer thread.
  std::uint64_t z = (random_state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53;
}

void InformerBase::recordFailure(const std::exception& error) {
  std::lock_guard lock(mutex_);
  status_.last_failure = options_.clock->wallNow();
  if (status_.consecutive_failures == 0) status_.failing_since = status_.last_failure;
  ++status_.consecutive_failures;
  ++status_.failures;
  status_.last_error = error.what();
}

void InformerBase::run(std::stop_token stop) {
  {
    const std::string name = ("inf-" + options_.resource).substr(0, 15);
    ::pthread_setname_np(::pthread_self(), name.c_str());
  }
  ListOptions list_options;
  list_options.limit = options_.page_size;
  list_options.field_selector = options_.field_selector;
  list_options.label_selector = options_.label_selector;

  WatchOptions watch_options;
  watch_options.allow_bookmarks = true;
  watch_options.timeout_seconds = options_.watch_timeout_seconds;
  watch_options.field_selector = options_.field_selector;
  watch_options.label_selector = options_.label_selector;

  bool need_list = true;
  bool listed_once = false;
  bool watched_once = false;
  std::string resource_version;

  while (!stop.stop_requested()) {
    try {
      if (need_list) {
        // resourceVersion "": a consistent (quorum) read of the current state.
        resource_version = relist(client_, list_options, stop);
        if (stop.stop_requested()) break;
        need_list = false;
        {
          std::lock_guard lock(mutex_);
          if (listed_once) ++status_.relists;
          status_.has_synced = true;
          status_.last_contact = options_.clock->wallNow();
          status_.consecutive_failures = 0;
          status_.resource_version = resource_version;
        }
        listed_once = true;
        synced_cv_.notify_all();
      }

      if (watched_once) {
        std::lock_guard lock(mutex_);
        ++status_.watch_restarts;
      }
      watched_once = true;
      watch_options.resource_version = resource_version;
      const auto watch_started = options_.clock->steadyNow();
      std::uint64_t events = 0;
      const WatchResult result = client_.watch(
          options_.path, watch_options,
          [&](const WatchEvent& event) {
            try {
              apply(event);
            } catch (const Error& e) {
              // One object we cannot read must not stop the cache; count it and go on.
              core::logEvent(spdlog::level::warn, "informer: skipping event",
                             {{"resource", options_.resource},
                              {"type", watchEventTypeName(event.type)},
                              {"error", e.what()}});
              std::lock_guard lock(mutex_);
              ++status_.decode_errors;
            }
            ++events;
            if (!event.resource_version.empty()) resource_version = event.resource_version;
            std::lock_guard lock(mutex_);
            status_.last_contact = options_.clock->wallNow();
            status_.consecutive_failures = 0;
            status_.resource_version = resource_version;
          },
          stop);
      if (result.stopped) break;
      if (!result.resource_version.empty()) resource_version = result.resource_version;
      if (events == 0 && options_.clock->steadyNow() - watch_started < kShortWatch) {
        // A watch the server closes at once without a single event (a misbehaving proxy or
        // API server) would make this loop spin: treat it as a failure, which backs off.
        throw Error(
            ErrorCode::kUnavailable,
            fmt::format("WATCH {}: closed by the server at once without events", options_.path));
      }
      // The server ended the watch after timeoutSeconds: a success; watch again at once.
      std::lock_guard lock(mutex_);
      status_.last_contact = options_.clock->wallNow();
      status_.consecutive_failures = 0;
      status_.resource_version = resource_version;
    } catch (const std::exception& e) {
      if (stop.stop_requested()) break;
      const auto* api_error = dynamic_cast<const ApiError*>(&e);
      if (api_error != nullptr && api_error->code() == ErrorCode::kGone && !need_list) {
        // Our resourceVersion was compacted away: relist from scratch at once. A 410 on the
        // list itself (not expected with resourceVersion "") backs off like other failures.
        core::logEvent(spdlog::level::info, "informer: relisting",
                       {{"resource", options_.resource}, {"reason", e.what()}});
        need_list = true;
        resource_version.clear();
        std::lock_guard lock(mutex_);
        status_.last_error = e.what();
        continue;
      }
      recordFailure(e);
      int failures = 0;
      {
        std::lock_guard lock(mutex_);
        failures = status_.consecutive_failures;
      }
      const auto delay = informerBackoffDelay(options_.backoff, failures, unitRandom());
      core::logEvent(
          spdlog::level::warn, "informer: list/watch failed; retrying",
          {{"resource", options_.resource}, {"error", e.what()}, {"retry_in_ms", delay.count()}});
      if (!options_.clock->sleepFor(delay, stop)) break;
    }
  }
}

}  // namespace keelson::kube
