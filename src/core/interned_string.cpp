#include "core/interned_string.h"

#include <array>
#include <atomic>
#include <boost/intrusive/unordered_set.hpp>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <new>
#include <ostream>
#include <stdexcept>
#include <vector>

namespace keelson::core {

// One allocation: this header (the pool's hash-chain link, the count, the size), then size + 1
// characters. The link lives in the entry (Boost.Intrusive), so the pool adds no node of its
// own: 8 bytes of link and 4 to 8 of bucket per distinct text.
struct InternedString::Entry : boost::intrusive::unordered_set_base_hook<
                                   boost::intrusive::link_mode<boost::intrusive::normal_link>> {
  std::atomic<uint32_t> refs{1};
  uint32_t size = 0;

  const char* chars() const noexcept { return reinterpret_cast<const char*>(this + 1); }
  char* chars() noexcept { return reinterpret_cast<char*>(this + 1); }
  std::string_view view() const noexcept { return {chars(), size}; }
};

namespace {

using Entry = InternedString::Entry;

struct EntryHash {
  std::size_t operator()(std::string_view text) const noexcept {
    return std::hash<std::string_view>()(text);
  }
  std::size_t operator()(const Entry& entry) const noexcept { return (*this)(entry.view()); }
};

struct EntryEqual {
  static std::string_view viewOf(std::string_view text) noexcept { return text; }
  static std::string_view viewOf(const Entry& entry) noexcept { return entry.view(); }
  template <class A, class B>
  bool operator()(const A& a, const B& b) const noexcept {
    return viewOf(a) == viewOf(b);
  }
};

// One shard's entries: a chained hash set whose bucket array doubles when it holds twice as
// many entries as buckets (it does not shrink: the pool's peak size is the cache's steady
// state). Two entries a bucket on average: 4 to 8 bytes of bucket an entry, and a lookup
// compares one or two entries' sizes (and text only when the size matches).
class EntrySet {
 public:
  EntrySet()
      : buckets_(kInitialBuckets), set_(Set::bucket_traits(buckets_.data(), buckets_.size())) {}

  Entry* find(std::string_view text, std::size_t hash) {
    auto it = set_.find(
        text, [hash](std::string_view) { return hash; }, EntryEqual());
    return it == set_.end() ? nullptr : &*it;
  }
  void insert(Entry& entry) {
    if (set_.size() >= kEntriesPerBucket * buckets_.size()) grow();
    set_.insert(entry);
  }
  void erase(Entry& entry) noexcept { set_.erase(set_.iterator_to(entry)); }
  std::size_t size() const noexcept { return set_.size(); }

 private:
  using Set = boost::intrusive::unordered_set<Entry, boost::intrusive::hash<EntryHash>,
                                              boost::intrusive::equal<EntryEqual>,
                                              boost::intrusive::power_2_buckets<true>>;
  static constexpr std::size_t kInitialBuckets = 64;
  static constexpr std::size_t kEntriesPerBucket = 2;

  void grow() {
    std::vector<Set::bucket_type> bigger(buckets_.size() * 2);
    set_.rehash(Set::bucket_traits(bigger.data(), bigger.size()));
    buckets_.swap(bigger);
  }

  std::vector<Set::bucket_type> buckets_;
  Set set_;
};

// The pool, in shards (by hash) so that decoders on several threads rarely wait for each other.
// An entry's count reaches zero only under its shard's lock (see release), and lookups take the
// same lock, so a lookup never revives an entry that is being freed.
class Pool {
 public:
  Entry* acquire(std::string_view text) {
    if (text.size() > UINT32_MAX) throw std::length_error("interned string longer than 4 GiB");
    const std::size_t hash = EntryHash()(text);
    Shard& shard = shardOf(hash);
    const std::lock_guard lock(shard.mutex);
    if (Entry* found = shard.entries.find(text, hash)) {
      found->refs.fetch_add(1, std::memory_order_relaxed);
      return found;
    }
    void* memory = std::malloc(sizeof(Entry) + text.size() + 1);  // NOLINT(*-no-malloc)
    if (memory == nullptr) throw std::bad_alloc();
    auto* entry = new (memory) Entry();
    entry->size = static_cast<uint32_t>(text.size());
    std::memcpy(entry->chars(), text.data(), text.size());
    entry->chars()[text.size()] = '\0';
    try {
      shard.entries.insert(*entry);
    } catch (...) {
      entry->~Entry();
      std::free(memory);  // NOLINT(*-no-malloc)
      throw;
    }
    return entry;
  }

  void release(Entry* entry) noexcept {
    uint32_t refs = entry->refs.load(std::memory_order_relaxed);
    while (refs > 1) {
      if (entry->refs.compare_exchange_weak(refs, refs - 1, std::memory_order_acq_rel)) return;
    }
    Shard& shard = shardOf(EntryHash()(*entry));
    const std::lock_guard lock(shard.mutex);
    if (entry->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    shard.entries.erase(*entry);
    entry->~Entry();
    std::free(entry);  // NOLINT(*-no-malloc)
  }

  std::size_t size() {
    std::size_t total = 0;
    for (Shard& shard : shards_) {
      const std::lock_guard lock(shard.mutex);
      total += shard.entries.size();
    }
    return total;
  }

 private:
  static constexpr std::size_t kShards = 16;
  struct Shard {
    std::mutex mutex;
    EntrySet entries;
  };
  // The top bits pick the shard; the set's power-of-two buckets use the low ones.
  Shard& shardOf(std::size_t hash) noexcept { return shards_[hash >> 60U]; }

  std::array<Shard, kShards> shards_;
};

// Never destroyed: InternedStrings in other static objects may outlive any destruction order.
Pool& pool() {
  static Pool* const instance = new Pool();  // NOLINT(cppcoreguidelines-owning-memory)
  return *instance;
}

}  // namespace

InternedString::InternedString(std::string_view text)
    : entry_(text.empty() ? nullptr : pool().acquire(text)) {}

InternedString::InternedString(const InternedString& other) noexcept : entry_(other.entry_) {
  if (entry_ != nullptr) entry_->refs.fetch_add(1, std::memory_order_relaxed);
}

InternedString& InternedString::operator=(const InternedString& other) noexcept {
  if (entry_ == other.entry_) return *this;
  InternedString copy(other);
  std::swap(entry_, copy.entry_);
  return *this;
}

InternedString& InternedString::operator=(InternedString&& other) noexcept {
  if (this != &other) {
    InternedString old(std::move(*this));
    std::swap(entry_, other.entry_);
  }
  return *this;
}

InternedString::~InternedString() {
  if (entry_ != nullptr) pool().release(entry_);
}

std::string_view InternedString::view() const noexcept {
  return entry_ == nullptr ? std::string_view() : entry_->view();
}

const char* InternedString::c_str() const noexcept {
  return entry_ == nullptr ? "" : entry_->chars();
}

std::size_t InternedString::poolSize() { return pool().size(); }

std::ostream& operator<<(std::ostream& out, const InternedString& text) {
  return out << text.view();
}

}  // namespace keelson::core
