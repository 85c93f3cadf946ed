#include "host/proc/pid.h"

#include <algorithm>
#include <array>
#include <limits>

#include "core/error.h"
#include "host/proc/parse_util.h"

namespace keelson::host {
namespace {

[[noreturn]] void badStat(std::string_view what, std::string_view text) {
  throw Error(ErrorCode::kBadInput, "pid stat: " + std::string(what) + " in \"" +
                                        std::string(detail::trim(text.substr(0, 120))) + "\"");
}

}  // namespace

PidStat parsePidStat(std::string_view text) {
  const auto open = text.find('(');
  const auto close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    badStat("expected \"pid (comm) ...\"", text);
  }
  PidStat stat;
  const auto pid = detail::parseI64(detail::trim(text.substr(0, open)));
  if (!pid) badStat("PID is not a number", text);
  stat.pid = *pid;
  stat.comm = std::string(text.substr(open + 1, close - open - 1));

  // Fields 3..24 follow the ')'; fields[i] is field number i + 3.
  detail::Tokenizer tokens(text.substr(close + 1));
  const auto state = tokens.next();
  if (!state || state->size() != 1) badStat("state is not one letter", text);
  stat.state = state->front();
  std::array<std::int64_t, 22> fields{};  // Fields 3..24; index 0 (state) unused.
  for (std::size_t i = 1; i < fields.size(); ++i) {
    const auto token = tokens.next();
    if (!token) badStat("fewer than 24 fields", text);
    // Fields the kernel prints as unsigned (vsize, flags) fit int64 in practice; parse as
    // unsigned and clamp so a hostile value cannot overflow.
    if (const auto value = detail::parseI64(*token)) {
      fields[i] = *value;
    } else if (const auto unsigned_value = detail::parseU64(*token)) {
      fields[i] = static_cast<std::int64_t>(std::min<std::uint64_t>(
          *unsigned_value, static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())));
    } else {
      badStat("field " + std::to_string(i + 3) + " is not a number", text);
    }
  }
  auto non_negative = [](std::int64_t value) {
    return static_cast<std::uint64_t>(value < 0 ? 0 : value);
  };
  stat.ppid = fields[4 - 3];
  stat.utime_ticks = non_negative(fields[14 - 3]);
  stat.stime_ticks = non_negative(fields[15 - 3]);
  stat.num_threads = fields[20 - 3];
  stat.start_time_ticks = non_negative(fields[22 - 3]);
  stat.vsize_bytes = non_negative(fields[23 - 3]);
  stat.rss_pages = fields[24 - 3];
  return stat;
}

PidStatus parsePidStatus(std::string_view text) {
  PidStatus status;
  detail::forEachLine(text, [&](std::string_view line) {
    const auto kv = detail::splitKeyValue(line);
    if (!kv) return;
    if (kv->key == "Name") {
      // Name is everything after "Name:\t"; keep inner spaces (trim only the separators).
      status.name = std::string(kv->value);
    } else if (kv->key == "State") {
      if (!kv->value.empty()) status.state = kv->value.front();
    } else if (kv->key == "Uid") {
      detail::Tokenizer tokens(kv->value);
      constexpr auto kMaxU32 = std::numeric_limits<std::uint32_t>::max();
      const auto real = tokens.next();
      const auto effective = tokens.next();
      if (const auto value = real ? detail::parseU64(*real) : std::nullopt;
          value && *value <= kMaxU32) {
        status.uid_real = static_cast<std::uint32_t>(*value);
      }
      if (const auto value = effective ? detail::parseU64(*effective) : std::nullopt;
          value && *value <= kMaxU32) {
        status.uid_effective = static_cast<std::uint32_t>(*value);
      }
    } else if (kv->key == "Threads") {
      status.threads = detail::parseU64(kv->value);
    } else if (kv->key == "VmRSS") {
      detail::Tokenizer tokens(kv->value);
      const auto number = tokens.next();
      const auto unit = tokens.next();
      const auto value = number ? detail::parseU64(*number) : std::nullopt;
      if (value && unit && *unit == "kB" &&
          *value <= std::numeric_limits<std::uint64_t>::max() / 1024) {
        status.vm_rss_bytes = *value * 1024;
      }
    }
  });
  return status;
}

std::string formatCmdline(std::string_view raw, std::size_t max_bytes) {
  while (!raw.empty() && raw.back() == '\0') raw.remove_suffix(1);
  std::string line;
  line.reserve(std::min(raw.size(), max_bytes));
  for (const char c : raw) {
    if (line.size() >= max_bytes) break;
    if (c == '\0') {
      line.push_back(' ');
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      line.push_back('?');
    } else {
      line.push_back(c);
    }
  }
  return line;
}

}  // namespace keelson::host
