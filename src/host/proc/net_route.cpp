#include "host/proc/net_route.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <array>
#include <bit>
#include <charconv>
#include <cstring>

namespace keelson::host {
namespace {

// The whitespace-separated fields of one line.
std::vector<std::string_view> fieldsOf(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
  return fields;
}

// Calls `each` with every line of `text`.
template <typename Fn>
void forEachLine(std::string_view text, Fn&& each) {
  while (!text.empty()) {
    const auto end = text.find('\n');
    each(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
}

std::optional<std::uint32_t> hex32(std::string_view text) {
  if (text.empty() || text.size() > 8) return std::nullopt;
  std::uint32_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// The IPv4 address whose network-order bytes the kernel printed as a native integer.
std::string ipv4Text(std::uint32_t native) {
  in_addr address{};
  std::memcpy(&address.s_addr, &native, sizeof native);
  std::array<char, INET_ADDRSTRLEN> buffer{};
  ::inet_ntop(AF_INET, &address, buffer.data(), buffer.size());
  return buffer.data();
}

// 32 hex digits in network order -> "fd00::1"; nullopt when malformed.
std::optional<in6_addr> ipv6Of(std::string_view text) {
  if (text.size() != 32) return std::nullopt;
  in6_addr address{};
  for (std::size_t i = 0; i < 16; ++i) {
    unsigned byte = 0;
    const char* first = text.data() + 2 * i;
    const auto [end, error] = std::from_chars(first, first + 2, byte, 16);
    if (error != std::errc() || end != first + 2) return std::nullopt;
    address.s6_addr[i] = static_cast<std::uint8_t>(byte);
  }
  return address;
}

std::string ipv6Text(const in6_addr& address) {
  std::array<char, INET6_ADDRSTRLEN> buffer{};
  ::inet_ntop(AF_INET6, &address, buffer.data(), buffer.size());
  return buffer.data();
}

}  // namespace

std::vector<Route> parseProcNetRoute(std::string_view text) {
  std::vector<Route> routes;
  forEachLine(text, [&](std::string_view line) {
    const auto fields = fieldsOf(line);
    if (fields.size() < 8 || fields[0] == "Iface") return;
    const auto destination = hex32(fields[1]);
    const auto gateway = hex32(fields[2]);
    const auto flags = hex32(fields[3]);
    const auto mask = hex32(fields[7]);
    std::uint32_t metric = 0;
    const auto [end, error] =
        std::from_chars(fields[6].data(), fields[6].data() + fields[6].size(), metric);
    if (!destination || !gateway || !flags || !mask || error != std::errc() ||
        end != fields[6].data() + fields[6].size()) {
      return;
    }
    Route route;
    route.interface = std::string(fields[0]);
    route.destination = ipv4Text(*destination);
    route.prefix_length = static_cast<unsigned>(std::popcount(*mask));
    if ((*flags & kRouteFlagGateway) != 0) route.gateway = ipv4Text(*gateway);
    route.flags = *flags;
    route.metric = metric;
    routes.push_back(std::move(route));
  });
  return routes;
}

std::vector<Route> parseProcIpv6Route(std::string_view text) {
  std::vector<Route> routes;
  forEachLine(text, [&](std::string_view line) {
    const auto fields = fieldsOf(line);
    if (fields.size() < 10) return;
    const auto destination = ipv6Of(fields[0]);
    const auto prefix_length = hex32(fields[1]);
    const auto next_hop = ipv6Of(fields[4]);
    const auto metric = hex32(fields[5]);
    const auto flags = hex32(fields[8]);
    if (!destination || !prefix_length || *prefix_length > 128 || !next_hop || !metric || !flags) {
      return;
    }
    Route route;
    route.ipv6 = true;
    route.interface = std::string(fields[9]);
    route.destination = ipv6Text(*destination);
    route.prefix_length = *prefix_length;
    static const in6_addr kAny{};
    if (std::memcmp(&*next_hop, &kAny, sizeof kAny) != 0) route.gateway = ipv6Text(*next_hop);
    route.flags = *flags;
    route.metric = *metric;
    routes.push_back(std::move(route));
  });
  return routes;
}

ResolvConf parseResolvConf(std::string_view text) {
  ResolvConf conf;
  forEachLine(text, [&](std::string_view line) {
    if (!line.empty() && (line.front() == '#' || line.front() == ';')) return;
    const auto fields = fieldsOf(line);
    if (fields.size() < 2) return;
    if (fields[0] == "nameserver") {
      conf.nameservers.emplace_back(fields[1]);
    } else if (fields[0] == "search" || fields[0] == "domain") {
      conf.search.clear();
      for (std::size_t i = 1; i < fields.size(); ++i) {
        if (fields[i].front() == '#' || fields[i].front() == ';') break;
        conf.search.emplace_back(fields[i]);
      }
    }
  });
  return conf;
}

}  // namespace keelson::host
