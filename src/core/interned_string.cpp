#include "core/interned_string.h"

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <new>
#include <ostream>
#include <stdexcept>

#include "core/intern_pool.h"

namespace keelson::core {

// One allocation: this header (the pool's hash-chain link, the count, the size), then size + 1
// characters.
struct InternedString::Entry : detail::InternHook {
  std::atomic<uint32_t> refs{1};
  uint32_t size = 0;

  const char* chars() const noexcept { return reinterpret_cast<const char*>(this + 1); }
  char* chars() noexcept { return reinterpret_cast<char*>(this + 1); }
  std::string_view view() const noexcept { return {chars(), size}; }
};

namespace {

using Entry = InternedString::Entry;

std::size_t hashText(std::string_view text) noexcept { return std::hash<std::string_view>()(text); }

struct EntryTraits {
  using Entry = InternedString::Entry;
  static std::size_t hash(const Entry& entry) noexcept { return hashText(entry.view()); }
  static bool equal(const Entry& a, const Entry& b) noexcept { return a.view() == b.view(); }
  static void destroy(Entry* entry) noexcept {
    entry->~Entry();
    std::free(entry);  // NOLINT(*-no-malloc)
  }
};

using Pool = detail::InternPool<EntryTraits>;

// A new entry holding `text`, its count 1.
Entry* makeEntry(std::string_view text) {
  void* memory = std::malloc(sizeof(Entry) + text.size() + 1);  // NOLINT(*-no-malloc)
  if (memory == nullptr) throw std::bad_alloc();
  auto* entry = new (memory) Entry();
  entry->size = static_cast<uint32_t>(text.size());
  std::memcpy(entry->chars(), text.data(), text.size());
  entry->chars()[text.size()] = '\0';
  return entry;
}

// Never destroyed: InternedStrings in other static objects may outlive any destruction order.
Pool& pool() {
  static Pool* const instance = new Pool();  // NOLINT(cppcoreguidelines-owning-memory)
  return *instance;
}

Entry* acquire(std::string_view text) {
  if (text.size() > UINT32_MAX) throw std::length_error("interned string longer than 4 GiB");
  return pool().acquire(
      text, hashText(text),
      [](std::string_view key, const Entry& entry) { return key == entry.view(); },
      [text] { return makeEntry(text); });
}

}  // namespace

InternedString::InternedString(std::string_view text)
    : entry_(text.empty() ? nullptr : acquire(text)) {}

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
