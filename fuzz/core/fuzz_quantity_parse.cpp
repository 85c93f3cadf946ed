// Quantity::parse on arbitrary bytes: it either throws keelson::Error or returns a quantity
// whose canonical string parses back to the same value (and is itself canonical).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/quantity.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  keelson::core::Quantity q;
  try {
    q = keelson::core::Quantity::parse(text);
  } catch (const keelson::Error&) {
    return 0;
  }
  const std::string canonical = q.format();
  const auto back = keelson::core::Quantity::parse(canonical);  // must not throw
  if (back != q || back.format() != keelson::core::Quantity::parse(back.format()).format()) {
    std::abort();
  }
  // value() is milliValue() / 1000 rounded away from zero.
  const int64_t milli = q.milliValue();
  const int64_t away = milli % 1000 == 0 ? 0 : (milli > 0 ? 1 : -1);
  if (q.value() != milli / 1000 + away) std::abort();
  return 0;
}
