#pragma once

// The watch-fed cache: one Informer<T> lists a collection, then watches it, and serves an
// immutable, sorted snapshot of the objects to any number of reader threads.
//
//   Client client(config);
//   InformerOptions options;
//   options.resource = "pods";
//   options.path = "/api/v1/pods";
//   Informer<Pod> pods(client, options);
//   pods.start();
//   pods.waitForSync(std::chrono::seconds(30));
//   const auto snapshot = pods.snapshot();    // SnapshotHandle<Pod>: keeps the objects alive
//   const Pod* pod = snapshot->get("default", "web-0");
// Member access on a temporary handle does not compile (`pods.snapshot()->all()` in a range-for
// would free the snapshot before the loop body runs): hold the handle in a named variable.
//
// Lifecycle of the informer thread (one named thread per informer, "inf-<resource>"):
//   1. list (paginated, resourceVersion "": a consistent read) and replace the state;
//   2. watch from the list's resourceVersion with bookmarks on, applying ADDED/MODIFIED/DELETED
//      and remembering the resourceVersion of every event and BOOKMARK;
//   3. when the server ends the watch (timeoutSeconds), watch again from the last version;
//   4. on 410 Gone (version compacted away), relist at once with an empty resourceVersion;
//   5. on any other failure (API server away, error status, undecodable list) wait with
//      exponential backoff plus jitter (informerBackoffDelay) and resume from step 2, or from
//      step 1 when no list has succeeded yet. The last good state keeps serving meanwhile.
//
// Event handlers (addHandlers) are told of every change, as client-go's are: the watch's events,
// and what a relist changed (added, updated, deleted objects). Indexes (addIndex) group a
// snapshot's objects by a key (pods by node, by controller); a namespace's objects need none
// (ObjectSnapshot::list).

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "kube/client.h"
#include "kube/decode.h"
#include "kube/objects.h"
#include "kube/watch.h"

namespace keelson::kube {

/// The wait between failed attempts of an informer: the n-th consecutive failure waits
/// d = min(max, initial * 2^(n-1)), scaled by (1 - jitter * u) with u uniform in [0, 1).
/// Defaults: the first wait is in (250, 500] ms, the cap is 30 s, so waits lie in (15, 30] s.
struct InformerBackoff {
  std::chrono::milliseconds initial{500};  ///< d for the first failure (must be < 1 s).
  std::chrono::milliseconds max{30000};    ///< Cap on d.
  double jitter = 0.5;                     ///< Fraction of d that is randomised, in [0, 1].
};

/// The wait after `failures` consecutive failures (>= 1) for the random draw `unit_random` in
/// [0, 1). Never longer than backoff.max. Pure; thread-safe.
std::chrono::milliseconds informerBackoffDelay(const InformerBackoff& backoff, int failures,
                                               double unit_random) noexcept;

/// What an informer watches and how it waits. Only `resource` and `path` are required; the
/// clock and the random hook exist for tests (an empty hook means the real thing).
struct InformerOptions {
  std::string resource;          ///< Short name for status, logs and the thread: "pods".
  std::string path;              ///< Collection path: "/api/v1/pods", "/apis/apps/v1/deployments".
  std::string field_selector;    ///< e.g. "spec.nodeName=node-1" (DaemonSet mode).
  std::string label_selector;    ///< e.g. "app=web".
  std::int64_t page_size = 500;  ///< List page size (limit).
  std::int64_t watch_timeout_seconds = 300;  ///< timeoutSeconds of each watch request.
  InformerBackoff backoff;                   ///< Waits while the API server is away.
  /// Wall time for status times; steady time and waits for the backoff, for telling a watch
  /// closed at once, and for waitForSync's timeout.
  std::shared_ptr<const core::Clock> clock = core::systemClock();
  /// A uniform draw in [0, 1) for the jitter. Default: a per-informer std::mt19937_64.
  std::function<double()> unit_random;
};

/// How current an informer's cache is: the part of its status that the age of an answer is
/// judged by (api::cacheAge), cheap to copy (no strings). Times are wall-clock.
struct InformerFreshness {
  bool has_synced = false;  ///< A list has succeeded once (stays true while erroring).
  std::chrono::system_clock::time_point last_contact;  ///< Last successful list, watch event
                                                       ///< or normal end of a watch; epoch: never.
  std::chrono::system_clock::time_point last_failure;  ///< Last failed attempt; epoch: never.
  /// First failure since the last success (while consecutive_failures > 0): until then the
  /// watch was connected, so the cache was current.
  std::chrono::system_clock::time_point failing_since;
  int consecutive_failures = 0;  ///< Failures since the last success (0: healthy).
};

/// An informer's health, for /readyz and /metrics. A copy; times are wall-clock.
struct InformerStatus : InformerFreshness {
  std::string resource;              ///< InformerOptions::resource.
  std::uint64_t watch_restarts = 0;  ///< Watches started after the first one.
  std::uint64_t relists = 0;         ///< Successful lists after the first one (410 Gone, ...).
  std::uint64_t failures = 0;        ///< Failed attempts in total (each one backs off).
  std::uint64_t decode_errors = 0;   ///< Watch events whose object did not decode (skipped).
  std::uint64_t handler_errors = 0;  ///< Event handler calls that threw (logged, then ignored).
  std::size_t objects = 0;           ///< Objects in the cache.
  std::string resource_version;      ///< Where the next watch resumes.
  std::string last_error;            ///< Message of the last failure; "" when none yet.
};

/// The keys an object is filed under in one index (none: not in the index; several: in each).
/// Must be pure and must not throw.
template <class T>
using IndexFunc = std::function<std::vector<std::string>(const T&)>;

/// The indexes of an informer: name → key function.
template <class T>
using Indexers = std::map<std::string, IndexFunc<T>, std::less<>>;

/// (metadata.namespace, metadata.name) of a cached object: the order of an informer's store and
/// of its snapshots. The views point into the object.
using ObjectKey = std::pair<std::string_view, std::string_view>;

/// The key of `object` (a T with `metadata`), or `key` itself.
template <class T>
ObjectKey objectKey(const std::shared_ptr<const T>& object) noexcept {
  return {object->metadata.namespace_name, object->metadata.name};
}
inline ObjectKey objectKey(const ObjectKey& key) noexcept { return key; }

/// Orders shared objects, and ObjectKeys against them, by (namespace, name).
struct ObjectKeyLess {
  template <class A, class B>
  bool operator()(const A& a, const B& b) const noexcept {
    return objectKey(a) < objectKey(b);
  }
};

/// The object of `key` in `objects` (sorted by ObjectKeyLess), or nullptr. O(log n).
template <class T>
const std::shared_ptr<const T>* findObject(const std::vector<std::shared_ptr<const T>>& objects,
                                           const ObjectKey& key) noexcept {
  const auto it = std::lower_bound(objects.begin(), objects.end(), key, ObjectKeyLess{});
  return it == objects.end() || objectKey(*it) != key ? nullptr : &*it;
}

/// An immutable view of an informer's objects, sorted by (namespace, name). Cluster-scoped
/// objects have the namespace "". Pointers and spans stay valid while the snapshot is held.
/// Thread-safe (immutable; an index is built once, by the first byIndex call that needs it).
template <class T>
class ObjectSnapshot {
 public:
  using Ptr = std::shared_ptr<const T>;

  ObjectSnapshot() = default;
  /// `objects` must be sorted by (metadata.namespace_name, metadata.name), without duplicates.
  /// `indexers` (may be null: no index) are the indexes byIndex answers.
  ObjectSnapshot(std::vector<Ptr> objects, std::string resource_version,
                 std::shared_ptr<const Indexers<T>> indexers = nullptr)
      : objects_(std::move(objects)),
        resource_version_(std::move(resource_version)),
        indexers_(std::move(indexers)) {
    if (indexers_) indexes_ = std::make_unique<BuiltIndex[]>(indexers_->size());
  }

  /// The objects filed under `key` in the index `index_name`, sorted by (namespace, name); empty
  /// when none. The first call for an index builds it for this snapshot (O(n) calls of its
  /// IndexFunc), later calls are O(1). Throws Error(kInternal) when no index of that name was
  /// added (Informer::addIndex): a programming error, not bad input.
  std::span<const Ptr> byIndex(std::string_view index_name, std::string_view key) const {
    if (indexers_ == nullptr || !indexers_->contains(index_name)) {
      throw Error(ErrorCode::kInternal,
                  "informer index \"" + std::string(index_name) + "\" does not exist");
    }
    const auto it = indexers_->find(index_name);
    BuiltIndex& index = indexes_[std::distance(indexers_->begin(), it)];
    std::call_once(index.once, [&] {
      for (const Ptr& object : objects_) {
        for (std::string& object_key : it->second(*object)) {
          index.buckets[std::move(object_key)].push_back(object);
        }
      }
    });
    const auto bucket = index.buckets.find(key);
    if (bucket == index.buckets.end()) return {};
    return bucket->second;
  }

  /// The object `namespace_name`/`name` ("" namespace for cluster-scoped kinds), or nullptr.
  /// O(log n).
  const T* get(std::string_view namespace_name, std::string_view name) const noexcept {
    const Ptr* object = findObject(objects_, {namespace_name, name});
    return object == nullptr ? nullptr : object->get();
  }

  /// Like get, but shares the object's ownership: it stays valid after the snapshot is released
  /// (objects are immutable and shared between snapshots, so nothing is copied). O(log n).
  Ptr find(std::string_view namespace_name, std::string_view name) const noexcept {
    const Ptr* object = findObject(objects_, {namespace_name, name});
    return object == nullptr ? nullptr : *object;
  }

  /// The objects of one namespace, sorted by name. O(log n).
  std::span<const Ptr> list(std::string_view namespace_name) const noexcept {
    const auto [first, last] =
        std::equal_range(objects_.begin(), objects_.end(), namespace_name, NamespaceLess{});
    return {first, last};
  }

  /// Every object, sorted by (namespace, name).
  std::span<const Ptr> all() const noexcept { return objects_; }

  /// Number of objects.
  std::size_t size() const noexcept { return objects_.size(); }

  /// The resourceVersion the snapshot reflects (of the last list, event or bookmark applied).
  const std::string& resourceVersion() const noexcept { return resource_version_; }

 private:
  struct NamespaceLess {
    bool operator()(const Ptr& object, std::string_view ns) const noexcept {
      return std::string_view(object->metadata.namespace_name) < ns;
    }
    bool operator()(std::string_view ns, const Ptr& object) const noexcept {
      return ns < std::string_view(object->metadata.namespace_name);
    }
  };

  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const noexcept {
      return std::hash<std::string_view>{}(text);
    }
  };
  struct BuiltIndex {
    std::once_flag once;
    std::unordered_map<std::string, std::vector<Ptr>, StringHash, std::equal_to<>> buckets;
  };

  std::vector<Ptr> objects_;
  std::string resource_version_;
  std::shared_ptr<const Indexers<T>> indexers_;
  std::unique_ptr<BuiltIndex[]> indexes_;  // one per indexer, in indexers_ order
};

/// Appends pointers to `objects` (a snapshot's all(), list(...) or byIndex(...)) to `out`; they
/// stay valid while the snapshot is held.
template <class T>
void appendPointers(std::span<const std::shared_ptr<const T>> objects, std::vector<const T*>& out) {
  out.reserve(out.size() + objects.size());
  for (const auto& object : objects) out.push_back(object.get());
}

/// Pointers to every object of `snapshot`, valid while the snapshot is held: how an analysis
/// reads a cache in place, without copying its objects.
template <class T>
std::vector<const T*> pointersOf(const ObjectSnapshot<T>& snapshot) {
  std::vector<const T*> out;
  appendPointers(snapshot.all(), out);
  return out;
}

/// Callbacks told of an informer's changes, as client-go's ResourceEventHandler: on_add for a new
/// object, on_update with the previous and the new state, on_delete with the last known state.
/// Any may be empty. They run on the informer thread, one at a time and in the order of the
/// changes, without any informer lock held (snapshot() in a handler already shows the change);
/// they must not block for long, since the watch waits for them. An exception thrown by a handler
/// is logged and counted (InformerStatus::handler_errors) and does not stop the informer.
template <class T>
struct EventHandlers {
  std::function<void(const T& object)> on_add;
  std::function<void(const T& old_object, const T& new_object)> on_update;
  std::function<void(const T& object)> on_delete;
};

/// An owning handle on an immutable ObjectSnapshot<T>, as Informer::snapshot() returns it. The
/// objects, and every pointer and span taken from the snapshot, stay valid while the handle (or a
/// copy) lives. Dereferencing a temporary handle is a compile error: in
/// `for (auto& pod : informer.snapshot()->all())` the handle would die before the loop body runs
/// while the informer swaps in a newer snapshot, leaving the loop reading freed memory.
/// Thread-safety: like std::shared_ptr (copies may be used from any thread; the snapshot is
/// immutable).
template <class T>
class SnapshotHandle {
 public:
  SnapshotHandle() = default;
  /// Takes shared ownership of `snapshot`.
  explicit SnapshotHandle(std::shared_ptr<const ObjectSnapshot<T>> snapshot) noexcept
      : snapshot_(std::move(snapshot)) {}

  const ObjectSnapshot<T>* operator->() const& noexcept { return snapshot_.get(); }
  const ObjectSnapshot<T>* operator->() const&& = delete;
  const ObjectSnapshot<T>& operator*() const& noexcept { return *snapshot_; }
  const ObjectSnapshot<T>& operator*() const&& = delete;
  /// True when the handle holds a snapshot.
  explicit operator bool() const noexcept { return static_cast<bool>(snapshot_); }
  /// Two handles on the same snapshot compare equal.
  friend bool operator==(const SnapshotHandle&, const SnapshotHandle&) = default;

 private:
  std::shared_ptr<const ObjectSnapshot<T>> snapshot_;
};

/// The list/watch loop and status shared by every Informer<T> (kind-independent).
///
/// Thread-safety: start(), stop(), status(), hasSynced() and waitForSync() may be called from
/// any thread. start() and stop() must not race with each other or the destructor.
class InformerBase {
 public:
  InformerBase(const InformerBase&) = delete;
  InformerBase& operator=(const InformerBase&) = delete;
  virtual ~InformerBase();

  /// Starts the informer thread (named "inf-<resource>", truncated to 15 bytes). Once only.
  void start();

  /// Requests stop and joins the thread: returns within about a second (the transport checks
  /// the stop token about once a second during a watch). Idempotent; never throws.
  void stop() noexcept;

  /// Waits until the first list has succeeded, the timeout passes or stop() is called.
  /// Returns hasSynced().
  bool waitForSync(std::chrono::milliseconds timeout) const;

  /// True once a list has succeeded (the cache then always has a complete, if possibly stale,
  /// state).
  bool hasSynced() const;

  /// A copy of the current status.
  InformerStatus status() const;

  /// The freshness part of status(): one lock, no copies of strings (asked once per answer).
  InformerFreshness freshness() const;

  /// The options the informer was built with.
  const InformerOptions& options() const noexcept { return options_; }

 protected:
  /// `client` must outlive the informer.
  InformerBase(const Client& client, InformerOptions options);

  /// Lists the collection (paginated, resourceVersion "") and replaces the whole state with
  /// it; returns the list's resourceVersion. Runs on the informer thread. Throws like
  /// Client::listPages and Error(kBadInput) for an undecodable page.
  virtual std::string relist(const Client& client, const ListOptions& options,
                             std::stop_token stop) = 0;

  /// Applies one ADDED, MODIFIED, DELETED or BOOKMARK event. Runs on the informer thread.
  /// Throws Error(kBadInput) when the object does not decode (the event is then skipped).
  virtual void apply(const WatchEvent& event) = 0;

  /// Number of cached objects. Thread-safe.
  virtual std::size_t objectCount() const = 0;

  /// Throws Error(kConflict) naming `what` once start() has been called: handlers and indexes
  /// must be added before, so that none misses a change.
  void requireNotStarted(std::string_view what) const;

  /// Runs `call` (one event handler call), counting and logging what it throws.
  void runHandler(const std::function<void()>& call) noexcept;

 private:
  void run(std::stop_token stop);
  void recordFailure(const std::exception& error);
  double unitRandom();

  const Client& client_;
  InformerOptions options_;

  mutable std::mutex mutex_;  // guards status_ and synced_cv_'s predicate
  mutable std::condition_variable_any synced_cv_;
  InformerStatus status_;
  std::stop_source stop_source_;  // shared with the thread so waitForSync wakes on stop()

  std::uint64_t random_state_ = 0;
  std::jthread thread_;
};

/// A list/watch cache of one kind. T is a Decodable kind with `metadata`.
///
/// Thread-safety: thread-safe. snapshot() may be called from any number of threads while the
/// informer thread applies events; the returned snapshot never changes. A snapshot is built
/// lazily (O(n) pointer copies) by the first snapshot() call after a change, so a burst of
/// events costs one rebuild, and readers that hold a snapshot keep its objects alive.
template <Decodable T>
class Informer final : public InformerBase {
 public:
  using Ptr = std::shared_ptr<const T>;

  /// An informer of options.path through `client` (which must outlive it). Call start().
  Informer(const Client& client, InformerOptions options)
      : InformerBase(client, std::move(options)) {}

  ~Informer() override { stop(); }

  /// Adds event handlers (see EventHandlers). Call before start(); throws Error(kConflict)
  /// after. Not thread-safe (setup, on the owner's thread).
  void addHandlers(EventHandlers<T> handlers) {
    requireNotStarted("an event handler");
    handlers_.push_back(std::move(handlers));
  }

  /// Adds the index `name` (see ObjectSnapshot::byIndex); a later one of the same name replaces
  /// it. Call before start(); throws Error(kConflict) after. Not thread-safe (setup).
  void addIndex(std::string name, IndexFunc<T> index) {
    requireNotStarted("an index");
    auto indexers =
        indexers_ ? std::make_shared<Indexers<T>>(*indexers_) : std::make_shared<Indexers<T>>();
    (*indexers)[std::move(name)] = std::move(index);
    indexers_ = std::move(indexers);
  }

  /// The current objects. Empty until the first list succeeded (see hasSynced()).
  SnapshotHandle<T> snapshot() const {
    std::lock_guard lock(store_mutex_);
    if (!snapshot_ || dirty_) {
      snapshot_ = std::make_shared<const ObjectSnapshot<T>>(objects_, resource_version_, indexers_);
      dirty_ = false;
    }
    return SnapshotHandle<T>(snapshot_);
  }

 protected:
  std::string relist(const Client& client, const ListOptions& options,
                     std::stop_token stop) override {
    Store fresh;
    const auto on_page = [&fresh](std::string_view page) {
      auto decoded = decodeList<T>(PaddedJson(page, page.size() + kJsonPadding));
      for (auto& item : decoded.items) fresh.push_back(std::make_shared<const T>(std::move(item)));
    };
    ListOptions list_options = options;
    list_options.on_restart = [&fresh] { fresh.clear(); };
    std::string resource_version = client.listPages(options_path(), list_options, on_page, stop);
    // A list names each object once (its key is unique in storage), so sorting is all it needs.
    std::sort(fresh.begin(), fresh.end(), ObjectKeyLess{});
    fresh.shrink_to_fit();
    Store old;
    {
      std::lock_guard lock(store_mutex_);
      old.swap(objects_);
      objects_.swap(fresh);
      resource_version_ = resource_version;
      dirty_ = true;
    }
    // Outside the lock: what the relist changed, then `old` is destroyed. Reading objects_
    // unlocked is safe here: only this thread (the informer's) ever writes it.
    if (!handlers_.empty()) notifyRelist(old, objects_);
    return resource_version;
  }

  void apply(const WatchEvent& event) override {
    if (event.type == WatchEventType::kBookmark) {
      std::lock_guard lock(store_mutex_);
      if (!event.resource_version.empty()) resource_version_ = event.resource_version;
      dirty_ = true;
      return;
    }
    auto object = std::make_shared<const T>(decodeObject<T>(event.object_json));
    Ptr previous;  // released outside the lock
    std::unique_lock lock(store_mutex_);
    if (!event.resource_version.empty()) resource_version_ = event.resource_version;
    dirty_ = true;
    const ObjectKey key = objectKey(object);
    const auto it = std::lower_bound(objects_.begin(), objects_.end(), key, ObjectKeyLess{});
    const bool found = it != objects_.end() && objectKey(*it) == key;
    const bool deleted = event.type == WatchEventType::kDeleted;
    // NOLINTNEXTLINE(bugprone-branch-clone): the branches differ once the template is instantiated
    if (!found) {
      if (!deleted) objects_.insert(it, object);
    } else if (deleted) {
      previous = std::move(*it);
      objects_.erase(it);
    } else {
      previous = std::exchange(*it, object);
    }
    lock.unlock();
    if (deleted) {
      if (previous) notify(previous.get(), nullptr);
    } else {
      notify(previous.get(), object.get());
    }
  }

  std::size_t objectCount() const override {
    std::lock_guard lock(store_mutex_);
    return objects_.size();
  }

 private:
  // The objects sorted by ObjectKeyLess, without duplicates: 16 bytes an object (a tree would
  // add a node of about 96 bytes to each). An added or deleted object moves the ones after it.
  using Store = std::vector<Ptr>;

  const std::string& options_path() const noexcept { return options().path; }

  // Tells every handler of one change: old → new (either may be null, not both).
  void notify(const T* old_object, const T* new_object) {
    for (const auto& handlers : handlers_) {
      if (old_object == nullptr && handlers.on_add) {
        runHandler([&] { handlers.on_add(*new_object); });
      } else if (new_object == nullptr && handlers.on_delete) {
        runHandler([&] { handlers.on_delete(*old_object); });
      } else if (old_object != nullptr && new_object != nullptr && handlers.on_update) {
        runHandler([&] { handlers.on_update(*old_object, *new_object); });
      }
    }
  }

  // What a relist changed: objects only in `fresh` were added, only in `old` deleted; objects in
  // both were updated when their resourceVersion differs (unchanged ones are not reported).
  // Like client-go's Replace: additions and updates in key order, then deletions.
  void notifyRelist(const Store& old, const Store& fresh) {
    for (const Ptr& object : fresh) {
      const Ptr* before = findObject(old, objectKey(object));
      if (before == nullptr) {
        notify(nullptr, object.get());
      } else if ((*before)->metadata.resource_version != object->metadata.resource_version) {
        notify(before->get(), object.get());
      }
    }
    for (const Ptr& object : old) {
      if (findObject(fresh, objectKey(object)) == nullptr) notify(object.get(), nullptr);
    }
  }

  std::vector<EventHandlers<T>> handlers_;       // set up before start()
  std::shared_ptr<const Indexers<T>> indexers_;  // set up before start()
  mutable std::mutex store_mutex_;
  Store objects_;
  std::string resource_version_;
  mutable std::shared_ptr<const ObjectSnapshot<T>> snapshot_;
  mutable bool dirty_ = true;
};

}  // namespace keelson::kube
