#pragma once

// The pool behind core::InternedString and core::Shared: a process-wide set of
// reference-counted, immutable entries in which each distinct value is stored once.

#include <array>
#include <atomic>
#include <boost/intrusive/unordered_set.hpp>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

namespace keelson::core::detail {

/// The hash-chain link an entry carries, so that the pool adds no node of its own: 8 bytes of
/// link and 4 to 8 bytes of bucket per distinct value.
using InternHook = boost::intrusive::unordered_set_base_hook<
    boost::intrusive::link_mode<boost::intrusive::normal_link>>;

/// A set of entries, with lookups by key. `Traits` provides `Entry` (derived from InternHook,
/// with a `std::atomic<uint32_t> refs`), `static std::size_t hash(const Entry&) noexcept`,
/// `static bool equal(const Entry&, const Entry&) noexcept` and
/// `static void destroy(Entry*) noexcept`.
///
/// The pool is split in 16 shards (by the hash's top bits), each a chained hash set under its own
/// mutex, so that decoders on several threads rarely wait for each other. A shard's bucket array
/// doubles when it holds two entries a bucket (4 to 8 bytes of bucket an entry; a lookup compares
/// one or two entries) and never shrinks: the pool's peak is the cache's steady state. An entry's
/// count reaches zero only under its shard's lock (see release), and lookups take the same lock,
/// so a lookup never revives an entry that is being freed. Thread-safe.
template <class Traits>
class InternPool {
 public:
  using Entry = typename Traits::Entry;

  /// The entry equal to `key` (whose hash is `hash`; `key_equal(key, entry)` compares them) with
  /// one more reference, or else `make()`'s new entry (its count 1), added to the pool. Throws
  /// what make() throws and std::bad_alloc; the pool is unchanged then.
  template <class Key, class KeyEqual, class Make>
  Entry* acquire(const Key& key, std::size_t hash, KeyEqual key_equal, Make&& make) {
    Shard& shard = shardOf(hash);
    const std::lock_guard lock(shard.mutex);
    if (Entry* found = shard.entries.find(key, hash, key_equal)) {
      found->refs.fetch_add(1, std::memory_order_relaxed);
      return found;
    }
    Entry* entry = make();
    try {
      shard.entries.insert(*entry);
    } catch (...) {
      Traits::destroy(entry);
      throw;
    }
    return entry;
  }

  /// Drops one reference to `entry`; the last one removes it from the pool and destroys it.
  void release(Entry* entry) noexcept {
    uint32_t refs = entry->refs.load(std::memory_order_relaxed);
    while (refs > 1) {
      if (entry->refs.compare_exchange_weak(refs, refs - 1, std::memory_order_acq_rel)) return;
    }
    Shard& shard = shardOf(Traits::hash(*entry));
    const std::lock_guard lock(shard.mutex);
    if (entry->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    shard.entries.erase(*entry);
    Traits::destroy(entry);
  }

  /// How many distinct entries the pool holds now.
  std::size_t size() {
    std::size_t total = 0;
    for (Shard& shard : shards_) {
      const std::lock_guard lock(shard.mutex);
      total += shard.entries.size();
    }
    return total;
  }

 private:
  struct Hash {
    std::size_t operator()(const Entry& entry) const noexcept { return Traits::hash(entry); }
  };
  struct Equal {
    bool operator()(const Entry& a, const Entry& b) const noexcept { return Traits::equal(a, b); }
  };

  class EntrySet {
   public:
    EntrySet()
        : buckets_(kInitialBuckets),
          set_(typename Set::bucket_traits(buckets_.data(), buckets_.size())) {}

    template <class Key, class KeyEqual>
    Entry* find(const Key& key, std::size_t hash, KeyEqual key_equal) {
      auto it = set_.find(
          key, [hash](const Key&) { return hash; },
          [&key_equal](const Key& k, const Entry& entry) { return key_equal(k, entry); });
      return it == set_.end() ? nullptr : &*it;
    }
    void insert(Entry& entry) {
      if (set_.size() >= kEntriesPerBucket * buckets_.size()) grow();
      set_.insert(entry);
    }
    void erase(Entry& entry) noexcept { set_.erase(set_.iterator_to(entry)); }
    std::size_t size() const noexcept { return set_.size(); }

   private:
    using Set = boost::intrusive::unordered_set<Entry, boost::intrusive::hash<Hash>,
                                                boost::intrusive::equal<Equal>,
                                                boost::intrusive::power_2_buckets<true>>;
    static constexpr std::size_t kInitialBuckets = 64;
    static constexpr std::size_t kEntriesPerBucket = 2;

    void grow() {
      std::vector<typename Set::bucket_type> bigger(buckets_.size() * 2);
      set_.rehash(typename Set::bucket_traits(bigger.data(), bigger.size()));
      buckets_.swap(bigger);
    }

    std::vector<typename Set::bucket_type> buckets_;
    Set set_;
  };

  static constexpr std::size_t kShards = 16;
  struct Shard {
    std::mutex mutex;
    EntrySet entries;
  };
  // The top bits pick the shard; the set's power-of-two buckets use the low ones.
  Shard& shardOf(std::size_t hash) noexcept { return shards_[hash >> 60U]; }

  std::array<Shard, kShards> shards_;
};

}  // namespace keelson::core::detail
