#pragma once
// A small thread-safe map whose entries expire, with a size bound and per-key single-flight
// loading. Used by the delegated authenticator and authorizer (auth.h) to remember review
// results.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "core/clock.h"

namespace keelson::server {

/// A thread-safe key → value cache where every entry has its own time to live. When an insert
/// would exceed `max_entries`, expired entries are dropped first, then the oldest inserts.
/// getOrLoad() runs at most one load per key at a time: concurrent callers for the same key wait
/// for that load and share its value (or its exception). Values must be copyable.
///
/// Time is the injected clock's steady time (core::systemClock() in production, a FakeClock in
/// tests), so nothing here sleeps or reads a clock of its own.
///
/// Thread-safety: every member function may be called from any thread.
template <class Key, class Value>
class TtlCache {
 public:
  using Clock = std::chrono::steady_clock;

  /// A cache holding at most `max_entries` (at least 1) entries, on `clock`'s steady time.
  explicit TtlCache(std::size_t max_entries,
                    std::shared_ptr<const core::Clock> clock = core::systemClock())
      : max_entries_(max_entries == 0 ? 1 : max_entries), clock_(std::move(clock)) {}

  TtlCache(const TtlCache&) = delete;
  TtlCache& operator=(const TtlCache&) = delete;

  /// The value stored for `key` if it has not expired (an entry expires `ttl` after its put:
  /// at now >= put time + ttl).
  std::optional<Value> get(const Key& key) {
    std::lock_guard lock(mutex_);
    return lookup(key, clock_->steadyNow());
  }

  /// Stores `value` under `key` for `ttl`, replacing any previous entry (which then counts as the
  /// newest). A ttl <= 0 stores nothing and removes the old entry.
  void put(const Key& key, Value value, Clock::duration ttl) {
    std::lock_guard lock(mutex_);
    store(key, std::move(value), ttl, clock_->steadyNow());
  }

  /// What a loader returns: the value and how long to keep it (<= 0: do not cache it).
  struct Loaded {
    Value value;
    Clock::duration ttl;
  };

  /// The cached value of `key`, else the result of `load()`, which is stored for its ttl. Only
  /// one load per key runs at a time: callers arriving while it runs wait for it and get its
  /// value, or have its exception rethrown. An exception is never cached; the next call loads
  /// again. `load` runs without the cache's lock held.
  Value getOrLoad(const Key& key, const std::function<Loaded()>& load) {
    std::shared_ptr<Flight> flight;
    {
      std::unique_lock lock(mutex_);
      if (auto hit = lookup(key, clock_->steadyNow())) return std::move(*hit);
      auto [it, leader] = in_flight_.try_emplace(key);
      if (leader) {
        it->second = std::make_shared<Flight>();
        flight = it->second;
      } else {
        std::shared_ptr<Flight> shared = it->second;
        ++waits_;
        flight_done_.wait(lock, [&] { return shared->done; });
        if (shared->error) std::rethrow_exception(shared->error);
        return *shared->value;
      }
    }
    std::optional<Loaded> loaded;
    std::exception_ptr error;
    try {
      loaded.emplace(load());
    } catch (...) {
      error = std::current_exception();
    }
    {
      std::lock_guard lock(mutex_);
      if (loaded) {
        store(key, loaded->value, loaded->ttl, clock_->steadyNow());
        flight->value = loaded->value;
      }
      flight->error = error;
      flight->done = true;
      in_flight_.erase(key);
    }
    flight_done_.notify_all();
    if (error) std::rethrow_exception(error);
    return std::move(loaded->value);
  }

  /// Entries stored, expired ones not yet dropped included.
  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
  }

  /// How many getOrLoad calls waited for another caller's load instead of loading (for tests and
  /// metrics).
  std::size_t sharedLoads() const {
    std::lock_guard lock(mutex_);
    return waits_;
  }

 private:
  struct Entry {
    Value value;
    Clock::time_point expires;
    typename std::list<Key>::iterator order;  // position in order_ (insertion order)
    typename std::multimap<Clock::time_point, Key>::iterator expiry;  // position in expiries_
  };
  struct Flight {
    bool done = false;
    std::optional<Value> value;
    std::exception_ptr error;
  };

  // Requires mutex_.
  std::optional<Value> lookup(const Key& key, Clock::time_point now) {
    auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    if (now >= it->second.expires) {
      erase(it);
      return std::nullopt;
    }
    return it->second.value;
  }

  // Requires mutex_.
  void store(const Key& key, Value value, Clock::duration ttl, Clock::time_point now) {
    if (auto it = entries_.find(key); it != entries_.end()) erase(it);
    if (ttl <= Clock::duration::zero()) return;
    if (entries_.size() >= max_entries_) {
      // Expired entries go first (in expiry order), then the oldest inserts.
      while (!expiries_.empty() && expiries_.begin()->first <= now) {
        erase(entries_.find(expiries_.begin()->second));
      }
      while (entries_.size() >= max_entries_) erase(entries_.find(order_.front()));
    }
    order_.push_back(key);
    const Clock::time_point expires = now + ttl;
    auto expiry = expiries_.emplace(expires, key);
    entries_.emplace(key, Entry{std::move(value), expires, std::prev(order_.end()), expiry});
  }

  // Requires mutex_.
  void erase(typename std::unordered_map<Key, Entry>::iterator it) {
    order_.erase(it->second.order);
    expiries_.erase(it->second.expiry);
    entries_.erase(it);
  }

  const std::size_t max_entries_;
  const std::shared_ptr<const core::Clock> clock_;
  mutable std::mutex mutex_;
  std::condition_variable flight_done_;
  std::unordered_map<Key, Entry> entries_;
  std::list<Key> order_;                            // oldest insert first
  std::multimap<Clock::time_point, Key> expiries_;  // soonest expiry first
  std::unordered_map<Key, std::shared_ptr<Flight>> in_flight_;
  std::size_t waits_ = 0;
};

}  // namespace keelson::server
