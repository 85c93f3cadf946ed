#include "host/gluster_xml.h"

#include <fmt/format.h>

#include <charconv>
#include <pugixml.hpp>
#include <system_error>
#include <tuple>

namespace keelson::host {
namespace {

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

template <class T>
std::optional<T> toNumber(std::string_view text) {
  text = trim(text);
  T value{};
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

bool isPlaceholder(std::string_view text) {
  text = trim(text);
  return text.empty() || text == "N/A" || text == "-";
}

std::string text(const pugi::xml_node& node, const char* name) {
  return std::string(trim(node.child_value(name)));
}

/// A number the CLI may leave out or print as N/A / "-"; anything else must be a number.
template <class T>
std::optional<T> optionalNumber(const pugi::xml_node& node, const char* name,
                                std::string_view what) {
  const std::string_view raw = node.child_value(name);
  if (isPlaceholder(raw)) return std::nullopt;
  if (auto value = toNumber<T>(raw)) return value;
  throw Error(ErrorCode::kBadInput,
              fmt::format("gluster {}: <{}> \"{}\" is not a number", what, name, trim(raw)));
}

/// A count that is 0 when missing.
int count(const pugi::xml_node& node, const char* name, std::string_view what) {
  return optionalNumber<int>(node, name, what).value_or(0);
}

/// Parses the document and checks the CLI's verdict; returns <cliOutput>.
pugi::xml_node loadCliOutput(pugi::xml_document& doc, std::string_view xml, std::string_view what) {
  const pugi::xml_parse_result parsed =
      doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!parsed) {
    throw Error(ErrorCode::kBadInput,
                fmt::format("gluster {}: output is not XML ({} at byte {}; expected the "
                            "document `gluster --xml` prints)",
                            what, parsed.description(), parsed.offset));
  }
  const pugi::xml_node root = doc.child("cliOutput");
  if (!root) {
    throw Error(ErrorCode::kBadInput,
                fmt::format("gluster {}: no <cliOutput> element in the XML", what));
  }
  const pugi::xml_node op_ret_node = root.child("opRet");
  if (!op_ret_node) {
    throw Error(ErrorCode::kBadInput, fmt::format("gluster {}: no <opRet> in <cliOutput>", what));
  }
  const auto op_ret = toNumber<int>(op_ret_node.child_value());
  if (!op_ret) {
    throw Error(ErrorCode::kBadInput, fmt::format("gluster {}: <opRet> \"{}\" is not a number",
                                                  what, trim(op_ret_node.child_value())));
  }
  if (*op_ret != 0) {
    throw GlusterOpError(*op_ret, toNumber<int>(root.child_value("opErrno")).value_or(0),
                         std::string(trim(root.child_value("opErrstr"))));
  }
  return root;
}

pugi::xml_node requireChild(const pugi::xml_node& parent, const char* name, std::string_view what) {
  const pugi::xml_node child = parent.child(name);
  if (!child) {
    throw Error(ErrorCode::kBadInput,
                fmt::format("gluster {}: no <{}> in <{}>", what, name, parent.name()));
  }
  return child;
}

std::string transportName(std::string_view code) {
  if (code == "0") return "tcp";
  if (code == "1") return "rdma";
  if (code == "2") return "tcp,rdma";
  return std::string(code);
}

}  // namespace

GlusterOpError::GlusterOpError(int op_ret, int op_errno, std::string op_errstr)
    : Error(ErrorCode::kUnavailable,
            fmt::format("gluster: {} (opRet {}, opErrno {})",
                        op_errstr.empty() ? std::string("command failed") : op_errstr, op_ret,
                        op_errno)),
      op_ret_(op_ret),
      op_errno_(op_errno),
      op_errstr_(std::move(op_errstr)) {}

std::pair<std::string, std::string> splitBrickName(std::string_view name) {
  const std::size_t at = name.find(":/");
  if (at == std::string_view::npos) return {std::string(name), std::string()};
  return {std::string(name.substr(0, at)), std::string(name.substr(at + 1))};
}

std::vector<GlusterVolume> parseVolumeInfoXml(std::string_view xml) {
  constexpr std::string_view kWhat = "volume info";
  pugi::xml_document doc;
  const pugi::xml_node root = loadCliOutput(doc, xml, kWhat);
  const pugi::xml_node volumes =
      requireChild(requireChild(root, "volInfo", kWhat), "volumes", kWhat);

  std::vector<GlusterVolume> out;
  for (const pugi::xml_node v : volumes.children("volume")) {
    GlusterVolume volume;
    volume.name = text(v, "name");
    volume.id = text(v, "id");
    volume.status = text(v, "statusStr");
    volume.type = text(v, "typeStr");
    volume.brick_count = count(v, "brickCount", kWhat);
    volume.dist_count = count(v, "distCount", kWhat);
    volume.replica_count = count(v, "replicaCount", kWhat);
    volume.arbiter_count = count(v, "arbiterCount", kWhat);
    volume.disperse_count = count(v, "disperseCount", kWhat);
    volume.redundancy_count = count(v, "redundancyCount", kWhat);
    volume.snapshot_count = count(v, "snapshotCount", kWhat);
    volume.transport = transportName(trim(v.child_value("transport")));
    for (const pugi::xml_node b : v.child("bricks").children("brick")) {
      GlusterBrick brick;
      // The brick element holds its name twice: as text and as <name>; prefer the element.
      brick.name = text(b, "name");
      if (brick.name.empty()) brick.name = std::string(trim(b.child_value()));
      std::tie(brick.host, brick.path) = splitBrickName(brick.name);
      brick.host_uuid = text(b, "hostUuid");
      if (brick.host_uuid.empty()) brick.host_uuid = b.attribute("uuid").as_string();
      brick.is_arbiter = text(b, "isArbiter") == "1";
      volume.bricks.push_back(std::move(brick));
    }
    for (const pugi::xml_node o : v.child("options").children("option")) {
      volume.options.emplace_back(text(o, "name"), std::string(o.child_value("value")));
    }
    out.push_back(std::move(volume));
  }
  return out;
}

std::vector<GlusterVolumeStatus> parseVolumeStatusXml(std::string_view xml) {
  constexpr std::string_view kWhat = "volume status";
  pugi::xml_document doc;
  const pugi::xml_node root = loadCliOutput(doc, xml, kWhat);
  const pugi::xml_node volumes =
      requireChild(requireChild(root, "volStatus", kWhat), "volumes", kWhat);

  std::vector<GlusterVolumeStatus> out;
  for (const pugi::xml_node v : volumes.children("volume")) {
    GlusterVolumeStatus volume;
    volume.volume = text(v, "volName");
    for (const pugi::xml_node n : v.children("node")) {
      GlusterBrickStatus brick;
      brick.path = text(n, "path");
      if (brick.path.empty() || brick.path.front() != '/') continue;  // a daemon, not a brick
      brick.hostname = text(n, "hostname");
      brick.peer_uuid = text(n, "peerid");
      brick.online = text(n, "status") == "1";
      brick.pid = optionalNumber<int>(n, "pid", kWhat);
      if (brick.pid && *brick.pid <= 0) brick.pid.reset();
      const pugi::xml_node ports = n.child("ports");
      brick.port =
          ports ? optionalNumber<int>(ports, "tcp", kWhat) : optionalNumber<int>(n, "port", kWhat);
      if (ports) brick.rdma_port = optionalNumber<int>(ports, "rdma", kWhat);
      brick.size_total_bytes = optionalNumber<std::uint64_t>(n, "sizeTotal", kWhat);
      brick.size_free_bytes = optionalNumber<std::uint64_t>(n, "sizeFree", kWhat);
      brick.inodes_total = optionalNumber<std::uint64_t>(n, "inodesTotal", kWhat);
      brick.inodes_free = optionalNumber<std::uint64_t>(n, "inodesFree", kWhat);
      brick.block_size_bytes = optionalNumber<std::uint64_t>(n, "blockSize", kWhat);
      brick.device = text(n, "device");
      brick.fs_type = text(n, "fsName");
      brick.mount_options = text(n, "mntOptions");
      volume.bricks.push_back(std::move(brick));
    }
    out.push_back(std::move(volume));
  }
  return out;
}

std::vector<GlusterPeer> parsePeerStatusXml(std::string_view xml) {
  constexpr std::string_view kWhat = "peer status";
  pugi::xml_document doc;
  const pugi::xml_node root = loadCliOutput(doc, xml, kWhat);
  const pugi::xml_node peers = requireChild(root, "peerStatus", kWhat);

  std::vector<GlusterPeer> out;
  for (const pugi::xml_node p : peers.children("peer")) {
    GlusterPeer peer;
    peer.uuid = text(p, "uuid");
    peer.hostname = text(p, "hostname");
    for (const pugi::xml_node h : p.child("hostnames").children("hostname")) {
      peer.hostnames.emplace_back(trim(h.child_value()));
    }
    if (peer.hostnames.empty() && !peer.hostname.empty()) peer.hostnames.push_back(peer.hostname);
    peer.connected = text(p, "connected") == "1";
    peer.state = text(p, "stateStr");
    peer.state_code = optionalNumber<int>(p, "state", kWhat);
    out.push_back(std::move(peer));
  }
  return out;
}

std::vector<GlusterHealBrick> parseHealInfoXml(std::string_view xml) {
  constexpr std::string_view kWhat = "volume heal info";
  pugi::xml_document doc;
  const pugi::xml_node root = loadCliOutput(doc, xml, kWhat);
  const pugi::xml_node bricks =
      requireChild(requireChild(root, "healInfo", kWhat), "bricks", kWhat);

  std::vector<GlusterHealBrick> out;
  for (const pugi::xml_node b : bricks.children("brick")) {
    GlusterHealBrick brick;
    brick.name = text(b, "name");
    std::tie(brick.host, brick.path) = splitBrickName(brick.name);
    brick.host_uuid = std::string(trim(b.attribute("hostUuid").as_string()));
    if (brick.host_uuid == "-") brick.host_uuid.clear();
    brick.status = text(b, "status");
    brick.connected = brick.status == "Connected";
    brick.entries_pending = b.child("numberOfEntries")
                                ? optionalNumber<std::uint64_t>(b, "numberOfEntries", kWhat)
                                : optionalNumber<std::uint64_t>(b, "totalNumberOfEntries", kWhat);
    brick.entries_heal_pending =
        optionalNumber<std::uint64_t>(b, "numberOfEntriesInHealPending", kWhat);
    brick.entries_in_split_brain =
        optionalNumber<std::uint64_t>(b, "numberOfEntriesInSplitBrain", kWhat);
    brick.entries_possibly_healing =
        optionalNumber<std::uint64_t>(b, "numberOfEntriesPossiblyHealing", kWhat);
    out.push_back(std::move(brick));
  }
  return out;
}

}  // namespace keelson::host
