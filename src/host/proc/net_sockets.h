#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace keelson::host {

/// The kernel's socket states (include/net/tcp_states.h), as printed in hex in the "st" column
/// of /proc/net/{tcp,tcp6,udp,udp6}. UDP sockets use kEstablished (connected) and kClose.
enum class TcpState : std::uint8_t {
  kEstablished = 1,
  kSynSent = 2,
  kSynRecv = 3,
  kFinWait1 = 4,
  kFinWait2 = 5,
  kTimeWait = 6,
  kClose = 7,
  kCloseWait = 8,
  kLastAck = 9,
  kListen = 10,
  kClosing = 11,
  kNewSynRecv = 12,
};

/// The highest state number the kernel defines.
inline constexpr int kMaxTcpState = 12;

/// The conventional name of a state number ("ESTABLISHED", "LISTEN", "TIME_WAIT", ... as ss(8)
/// and netstat print them); "UNKNOWN" for 0 and numbers above kMaxTcpState.
std::string_view tcpStateName(int state) noexcept;

/// Socket counts from one /proc/net/{tcp,tcp6,udp,udp6} table.
struct SocketCounts {
  std::uint64_t total = 0;  ///< Sockets (lines) in the table.
  /// Sockets per state; index = kernel state number (1..kMaxTcpState). Index 0 counts lines
  /// whose state is not a known number.
  std::array<std::uint64_t, kMaxTcpState + 1> by_state{};
};

/// Parses the text of /proc/net/tcp, tcp6, udp or udp6 (the layouts share the leading columns:
/// "sl local_address rem_address st ...") and counts sockets by state. Pure and allocation-free,
/// so a table of a million sockets costs one pass. The header and lines whose first column is
/// not "<n>:" are skipped. Never throws.
SocketCounts parseNetSockets(std::string_view text) noexcept;

}  // namespace keelson::host
