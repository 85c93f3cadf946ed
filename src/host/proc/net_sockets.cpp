#include "host/proc/net_sockets.h"

#include "host/proc/parse_util.h"

namespace keelson::host {

std::string_view tcpStateName(int state) noexcept {
  switch (state) {
    case 1:
      return "ESTABLISHED";
    case 2:
      return "SYN_SENT";
    case 3:
      return "SYN_RECV";
    case 4:
      return "FIN_WAIT1";
    case 5:
      return "FIN_WAIT2";
    case 6:
      return "TIME_WAIT";
    case 7:
      return "CLOSE";
    case 8:
      return "CLOSE_WAIT";
    case 9:
      return "LAST_ACK";
    case 10:
      return "LISTEN";
    case 11:
      return "CLOSING";
    case 12:
      return "NEW_SYN_RECV";
    default:
      return "UNKNOWN";
  }
}

SocketCounts parseNetSockets(std::string_view text) noexcept {
  SocketCounts counts;
  detail::forEachLine(text, [&](std::string_view line) {
    detail::Tokenizer tokens(line);
    const auto slot = tokens.next();
    if (!slot || slot->size() < 2 || slot->back() != ':' ||
        !detail::parseU64(slot->substr(0, slot->size() - 1))) {
      return;
    }
    tokens.next();  // local_address
    tokens.next();  // rem_address
    const auto state_token = tokens.next();
    if (!state_token) return;
    const auto state = detail::parseHex(*state_token);
    ++counts.total;
    if (state && *state >= 1 && *state <= static_cast<std::uint64_t>(kMaxTcpState)) {
      ++counts.by_state[*state];
    } else {
      ++counts.by_state[0];
    }
  });
  return counts;
}

}  // namespace keelson::host
