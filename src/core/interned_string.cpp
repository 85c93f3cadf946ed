#include "core/interned_string.h"

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <new>
#include <ostream>
#include <stdexcept>
#include <unordered_set>

namespace keelson::core {

// One allocation: this header, then size + 1 characters.
struct InternedString::Entry {
  std::atomic<uint32_t> refs;
  uint32_t size;

  const char* chars() const noexcept { return reinterpret_cast<const char*>(this + 1); }
  char* chars() noexcept { return reinterpret_cast<char*>(this + 1); }
  std::string_view view() const noexcept { return {chars(), size}; }
};

namespace {

using Entry = InternedString::Entry;

struct EntryHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const noexcept {
    return std::hash<std::string_view>()(text);
  }
  std::size_t operator()(const Entry* entry) const noexcept { return (*this)(entry->view()); }
};

struct EntryEqual {
  using is_transparent = void;
  static std::string_view viewOf(std::string_view text) noexcept { return text; }
  static std::string_view viewOf(const Entry* entry) noexcept { return entry->view(); }
  template <class A, class B>
  bool operator()(const A& a, const B& b) const noexcept {
    return viewOf(a) == viewOf(b);
  }
};

// The pool, in shards (by hash) so that decoders on several threads rarely wait for each other.
// An entry's count reaches zero only under its shard's lock (see release), and lookups take the
// same lock, so a lookup never revives an entry that is being freed.
class Pool {
 public:
  Entry* acquire(std::string_view text) {
    const std::size_t hash = EntryHash()(text);
    Shard& shard = shards_[hash % kShards];
    const std::lock_guard lock(shard.mutex);
    if (auto it = shard.entries.find(text); it != shard.entries.end()) {
      (*it)->refs.fetch_add(1, std::memory_order_relaxed);
      return *it;
    }
    if (text.size() > UINT32_MAX) throw std::length_error("interned string longer than 4 GiB");
    void* memory = std::malloc(sizeof(Entry) + text.size() + 1);  // NOLINT(*-no-malloc)
    if (memory == nullptr) throw std::bad_alloc();
    auto* entry = new (memory) Entry{};
    entry->refs.store(1, std::memory_order_relaxed);
    entry->size = static_cast<uint32_t>(text.size());
    std::memcpy(entry->chars(), text.data(), text.size());
    entry->chars()[text.size()] = '\0';
    try {
      shard.entries.insert(entry);
    } catch (...) {
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
    Shard& shard = shards_[EntryHash()(entry) % kShards];
    const std::lock_guard lock(shard.mutex);
    if (entry->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    shard.entries.erase(entry);
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
    std::unordered_set<Entry*, EntryHash, EntryEqual> entries;
  };
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
