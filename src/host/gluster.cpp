#include "host/gluster.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <map>
#include <utility>

#include "core/error.h"

namespace keelson::host {
namespace {

using Clock = std::chrono::steady_clock;

/// Extra time past the CLI's own --timeout before the runner kills it.
constexpr std::chrono::seconds kKillSlack{5};

std::string firstLine(std::string_view text) {
  const auto start = text.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return {};
  text = text.substr(start);
  return std::string(text.substr(0, text.find_first_of("\r\n")));
}

std::string joinArgs(const std::vector<std::string>& args) {
  std::string out;
  for (const auto& a : args) {
    if (!out.empty()) out += ' ';
    out += a;
  }
  return out;
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

bool isHealable(const GlusterVolume& volume) {
  return contains(volume.type, "Replicate") || contains(volume.type, "Disperse");
}

/// Runs one command and reads it, retrying once without --timeout for a CLI too old to know it.
class CliSession {
 public:
  CliSession(std::string cli, const GlusterCollectOptions& options, const GlusterCommandRunner& run)
      : cli_(std::move(cli)), options_(options), run_(run) {}

  GlusterReply ask(const std::vector<std::string>& command) {
    const std::string what = joinArgs(command);
    GlusterReply reply = once(command, what);
    if (pass_timeout_ && reply.kind == GlusterReply::Kind::kFailed &&
        contains(reply.message, "unrecognized option --timeout")) {
      pass_timeout_ = false;
      reply = once(command, what);
    }
    return reply;
  }

 private:
  GlusterReply once(const std::vector<std::string>& command, const std::string& what) {
    std::vector<std::string> argv = {cli_, "--mode=script", "--xml"};
    if (!options_.glusterd_socket.empty()) {
      argv.push_back("--glusterd-sock=" + options_.glusterd_socket);
    }
    if (pass_timeout_)
      argv.push_back(fmt::format("--timeout={}", options_.command_timeout.count()));
    argv.insert(argv.end(), command.begin(), command.end());
    try {
      return classifyGlusterReply(run_(argv, options_.command_timeout + kKillSlack), what);
    } catch (const Error& e) {
      return GlusterReply{
          GlusterReply::Kind::kFailed, {}, fmt::format("gluster {}: {}", what, e.what())};
    }
  }

  std::string cli_;
  const GlusterCollectOptions& options_;
  const GlusterCommandRunner& run_;
  bool pass_timeout_ = true;
};

/// Parses a kXml reply with `parse`; anything else, or a parse failure, becomes the error.
template <class Parse>
std::optional<std::string> readSection(const GlusterReply& reply, Parse&& parse) {
  if (reply.kind != GlusterReply::Kind::kXml) return reply.message;
  try {
    parse(reply.xml);
    return std::nullopt;
  } catch (const Error& e) {
    return std::string(e.what());
  }
}

GlusterVolumeHeal collectHeal(CliSession& cli, const GlusterVolume& volume,
                              const GlusterCollectOptions& options, bool& daemon_gone) {
  GlusterVolumeHeal heal;
  heal.volume = volume.name;
  if (!isHealable(volume)) {
    heal.state = GlusterHealState::kNotApplicable;
    heal.reason = fmt::format("{} volumes have no self-heal", volume.type);
    return heal;
  }
  if (volume.status != "Started") {
    heal.state = GlusterHealState::kNotApplicable;
    heal.reason = fmt::format("volume is {}", volume.status);
    return heal;
  }
  std::vector<std::string> command = {"volume", "heal", volume.name, "info"};
  if (options.heal_command == GlusterHealCommand::kInfoSummary) command.emplace_back("summary");
  const GlusterReply reply = cli.ask(command);
  if (reply.kind == GlusterReply::Kind::kUnreachable) daemon_gone = true;
  if (reply.kind != GlusterReply::Kind::kXml) {
    heal.state = GlusterHealState::kError;
    heal.reason = reply.message;
    return heal;
  }
  try {
    heal.bricks = parseHealInfoXml(reply.xml);
  } catch (const GlusterOpError& e) {
    // The volume info said replicate/disperse, but the CLI may still decline (e.g. a type
    // change in between); that is the volume's nature, not a failure.
    if (contains(e.opErrstr(), "is not of type replicate/disperse")) {
      heal.state = GlusterHealState::kNotApplicable;
    } else {
      heal.state = GlusterHealState::kError;
    }
    heal.reason = e.opErrstr().empty() ? std::string(e.what()) : e.opErrstr();
  } catch (const Error& e) {
    heal.state = GlusterHealState::kError;
    heal.reason = e.what();
  }
  return heal;
}

template <class T>
nlohmann::json orNull(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

}  // namespace

std::string_view glusterStateName(GlusterState state) noexcept {
  switch (state) {
    case GlusterState::kOk:
      return "ok";
    case GlusterState::kNotInstalled:
      return "not_installed";
    case GlusterState::kDaemonUnreachable:
      return "daemon_unreachable";
  }
  return "unknown";
}

std::string_view glusterHealStateName(GlusterHealState state) noexcept {
  switch (state) {
    case GlusterHealState::kOk:
      return "ok";
    case GlusterHealState::kNotApplicable:
      return "not_applicable";
    case GlusterHealState::kError:
      return "error";
  }
  return "unknown";
}

GlusterReply classifyGlusterReply(const core::RunResult& run, std::string_view command) {
  using Kind = GlusterReply::Kind;
  if (run.timed_out) {
    return {Kind::kUnreachable,
            {},
            fmt::format("gluster {}: no answer within {} ms; the CLI was killed (glusterd hung?)",
                        command, run.duration.count())};
  }
  for (const std::string* stream : {&run.out, &run.err}) {
    for (const std::string_view marker : {"Connection failed", "Request timed out"}) {
      const std::size_t at = stream->find(marker);
      if (at != std::string::npos) {
        // Keep the CLI's own line, e.g. "Error : Request timed out".
        const std::size_t line_start = stream->rfind('\n', at);
        const std::string line = firstLine(
            std::string_view(*stream).substr(line_start == std::string::npos ? 0 : line_start + 1));
        return {Kind::kUnreachable, {}, fmt::format("gluster {}: {}", command, line)};
      }
    }
  }
  std::size_t xml_at = run.out.find("<?xml");
  if (xml_at == std::string::npos) xml_at = run.out.find("<cliOutput");
  if (xml_at != std::string::npos) {
    if (run.out_truncated) {
      return {Kind::kFailed,
              {},
              fmt::format("gluster {}: output exceeded the capture limit ({} bytes kept)", command,
                          run.out.size())};
    }
    return {Kind::kXml, run.out.substr(xml_at), {}};
  }
  std::string detail = firstLine(run.err);
  if (detail.empty()) detail = firstLine(run.out);
  if (detail.empty()) detail = "no output";
  const std::string how = run.signal != 0 ? fmt::format("killed by signal {}", run.signal)
                                          : fmt::format("exit code {}", run.exit_code);
  return {Kind::kFailed, {}, fmt::format("gluster {}: {}: {}", command, how, detail)};
}

GlusterStatus collectGlusterWith(const std::optional<std::string>& cli_path,
                                 const GlusterCollectOptions& options,
                                 const GlusterCommandRunner& run) {
  const Clock::time_point start = Clock::now();
  GlusterStatus status;
  auto finish = [&]() -> GlusterStatus {
    status.duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    return std::move(status);
  };
  if (!cli_path) {
    status.state = GlusterState::kNotInstalled;
    status.error =
        fmt::format("gluster CLI not found on the host (searched {})", options.exec.host_path);
    return finish();
  }
  status.cli_path = *cli_path;
  CliSession cli(*cli_path, options, run);

  // 1. Volumes. This is also the reachability probe: if glusterd does not answer here,
  //    nothing else is asked.
  const GlusterReply info = cli.ask({"volume", "info", "all"});
  if (info.kind == GlusterReply::Kind::kUnreachable) {
    status.state = GlusterState::kDaemonUnreachable;
    status.error = info.message;
    return finish();
  }
  status.state = GlusterState::kOk;
  status.volumes_error =
      readSection(info, [&](const std::string& xml) { status.volumes = parseVolumeInfoXml(xml); });

  bool daemon_gone = false;
  auto skipped = [&]() {
    return std::string("skipped: glusterd stopped answering during this collection");
  };

  // 2. Bricks: processes, ports, disk and inode usage.
  {
    const GlusterReply reply = cli.ask({"volume", "status", "all", "detail"});
    daemon_gone = reply.kind == GlusterReply::Kind::kUnreachable;
    status.volume_status_error = readSection(
        reply, [&](const std::string& xml) { status.volume_status = parseVolumeStatusXml(xml); });
  }

  // 3. Peers.
  if (daemon_gone) {
    status.peers_error = skipped();
  } else {
    const GlusterReply reply = cli.ask({"peer", "status"});
    daemon_gone = reply.kind == GlusterReply::Kind::kUnreachable;
    status.peers_error =
        readSection(reply, [&](const std::string& xml) { status.peers = parsePeerStatusXml(xml); });
  }

  // 4. Self-heal backlog per replicate/disperse volume.
  if (options.collect_heal) {
    for (const GlusterVolume& volume : status.volumes) {
      if (daemon_gone && isHealable(volume) && volume.status == "Started") {
        status.heal.push_back({volume.name, GlusterHealState::kError, skipped(), {}});
        continue;
      }
      status.heal.push_back(collectHeal(cli, volume, options, daemon_gone));
    }
  }
  return finish();
}

GlusterStatus collectGluster(const GlusterCollectOptions& options) {
  HostExecMethod method = HostExecMethod::kDirect;
  try {
    method = detectHostExecMethod(options.exec);
  } catch (const Error& e) {
    GlusterStatus status;
    status.state = GlusterState::kNotInstalled;
    status.error = fmt::format("cannot reach the host to look for gluster: {}", e.what());
    return status;
  }
  std::optional<std::string> cli = options.cli_path.empty()
                                       ? findHostProgram("gluster", method, options.exec)
                                       : std::optional<std::string>(options.cli_path);
  const GlusterCommandRunner run = [&](const std::vector<std::string>& argv,
                                       std::chrono::milliseconds timeout) {
    HostExecOptions exec = options.exec;
    exec.method = method;
    exec.timeout = timeout;
    exec.inherit_output = false;
    exec.audit = false;  // fixed read-only commands, every minute: debug, not the audit trail
    exec.env.emplace_back("LC_ALL", "C");
    return hostExec(argv, exec).run;
  };
  GlusterStatus status = collectGlusterWith(cli, options, run);
  status.exec_method = std::string(hostExecMethodName(method));
  if (status.state == GlusterState::kNotInstalled && options.cli_path.empty()) {
    status.error = fmt::format("gluster CLI not found on the host (searched {} under {})",
                               options.exec.host_path, hostFilesystemRoot(method, options.exec));
  }
  return status;
}

nlohmann::json toJson(const GlusterStatus& status) {
  nlohmann::json out;
  out["state"] = glusterStateName(status.state);
  if (!status.error.empty()) out["error"] = status.error;
  out["cli"] = status.cli_path;
  out["exec_method"] = status.exec_method;
  out["duration_ms"] = status.duration.count();

  // Index the per-brick status and the heal results by volume so they nest under it.
  std::map<std::pair<std::string, std::string>, const GlusterBrickStatus*> brick_status;
  for (const auto& v : status.volume_status) {
    for (const auto& b : v.bricks) brick_status[{v.volume, b.hostname + ":" + b.path}] = &b;
  }
  std::map<std::string, const GlusterVolumeHeal*> heal_by_volume;
  for (const auto& h : status.heal) heal_by_volume[h.volume] = &h;

  nlohmann::json volumes = nlohmann::json::array();
  for (const GlusterVolume& v : status.volumes) {
    nlohmann::json volume = {
        {"name", v.name},
        {"id", v.id},
        {"status", v.status},
        {"type", v.type},
        {"brick_count", v.brick_count},
        {"dist_count", v.dist_count},
        {"replica_count", v.replica_count},
        {"arbiter_count", v.arbiter_count},
        {"disperse_count", v.disperse_count},
        {"redundancy_count", v.redundancy_count},
        {"snapshot_count", v.snapshot_count},
        {"transport", v.transport},
    };
    nlohmann::json options = nlohmann::json::object();
    for (const auto& [name, value] : v.options) options[name] = value;
    volume["options"] = std::move(options);

    nlohmann::json bricks = nlohmann::json::array();
    for (const GlusterBrick& b : v.bricks) {
      nlohmann::json brick = {{"name", b.name},
                              {"host", b.host},
                              {"path", b.path},
                              {"host_uuid", b.host_uuid},
                              {"is_arbiter", b.is_arbiter}};
      const auto it = brick_status.find({v.name, b.host + ":" + b.path});
      const GlusterBrickStatus* s = it == brick_status.end() ? nullptr : it->second;
      brick["online"] = s != nullptr ? nlohmann::json(s->online) : nlohmann::json(nullptr);
      brick["pid"] = s != nullptr ? orNull(s->pid) : nullptr;
      brick["port"] = s != nullptr ? orNull(s->port) : nullptr;
      brick["disk_total_bytes"] = s != nullptr ? orNull(s->size_total_bytes) : nullptr;
      brick["disk_free_bytes"] = s != nullptr ? orNull(s->size_free_bytes) : nullptr;
      brick["inodes_total"] = s != nullptr ? orNull(s->inodes_total) : nullptr;
      brick["inodes_free"] = s != nullptr ? orNull(s->inodes_free) : nullptr;
      brick["block_size_bytes"] = s != nullptr ? orNull(s->block_size_bytes) : nullptr;
      brick["fs_type"] = s != nullptr ? nlohmann::json(s->fs_type) : nullptr;
      brick["device"] = s != nullptr ? nlohmann::json(s->device) : nullptr;
      brick["mount_options"] = s != nullptr ? nlohmann::json(s->mount_options) : nullptr;
      bricks.push_back(std::move(brick));
    }
    volume["bricks"] = std::move(bricks);

    if (const auto it = heal_by_volume.find(v.name); it != heal_by_volume.end()) {
      const GlusterVolumeHeal& h = *it->second;
      nlohmann::json heal = {{"state", glusterHealStateName(h.state)}};
      if (!h.reason.empty()) heal["reason"] = h.reason;
      if (h.state == GlusterHealState::kOk) {
        std::uint64_t total = 0;
        nlohmann::json heal_bricks = nlohmann::json::array();
        for (const GlusterHealBrick& b : h.bricks) {
          total += b.entries_pending.value_or(0);
          heal_bricks.push_back({{"name", b.name},
                                 {"host", b.host},
                                 {"path", b.path},
                                 {"status", b.status},
                                 {"connected", b.connected},
                                 {"entries_pending", orNull(b.entries_pending)},
                                 {"entries_heal_pending", orNull(b.entries_heal_pending)},
                                 {"entries_in_split_brain", orNull(b.entries_in_split_brain)},
                                 {"entries_possibly_healing", orNull(b.entries_possibly_healing)}});
        }
        heal["entries_pending"] = total;
        heal["bricks"] = std::move(heal_bricks);
      }
      volume["heal"] = std::move(heal);
    } else {
      volume["heal"] = nullptr;
    }
    volumes.push_back(std::move(volume));
  }
  out["volumes"] = std::move(volumes);

  nlohmann::json peers = nlohmann::json::array();
  for (const GlusterPeer& p : status.peers) {
    peers.push_back({{"hostname", p.hostname},
                     {"hostnames", p.hostnames},
                     {"uuid", p.uuid},
                     {"state", p.state},
                     {"state_code", orNull(p.state_code)},
                     {"connected", p.connected}});
  }
  out["peers"] = std::move(peers);

  nlohmann::json errors = nlohmann::json::object();
  if (status.volumes_error) errors["volumes"] = *status.volumes_error;
  if (status.volume_status_error) errors["volume_status"] = *status.volume_status_error;
  if (status.peers_error) errors["peers"] = *status.peers_error;
  out["errors"] = std::move(errors);
  return out;
}

}  // namespace keelson::host
