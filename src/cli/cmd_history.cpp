// keelson history: query the history database `keelson monitor` writes (--history) for the
// series of a pod, a node or the host over a time range, as a table, CSV or JSON; or list the
// series it holds.
#include <fmt/format.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/options.h"
#include "cli/output.h"
#include "core/csv.h"
#include "core/error.h"
#include "docs/table.h"
#include "kube/objects.h"
#include "store/history_store.h"

namespace keelson::cli {
namespace {

using store::HistoryStore;

std::string formatMs(std::int64_t ms) {
  return kube::formatTimeMillis(kube::Time(std::chrono::milliseconds(ms)));
}

std::string formatValue(double value) { return fmt::format("{}", value); }

std::int64_t parseTimeMs(const std::string& flag, const std::string& text) {
  try {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               kube::parseTime(text).time_since_epoch())
        .count();
  } catch (const Error& e) {
    throw Error(
        ErrorCode::kBadInput,
        fmt::format("{}: {} (expected RFC 3339, e.g. 2024-01-15T10:30:00Z)", flag, e.what()));
  }
}

std::string describe(const HistoryStore::SeriesQuery& q) {
  std::string subject = q.subject_kind;
  if (q.subject_kind == "pod") {
    subject += " " + q.namespace_name + "/" + q.name;
  } else if (!q.name.empty()) {
    subject += " " + q.name;
  }
  if (q.metric) subject += " metric " + *q.metric;
  return subject;
}

std::string subjectOf(const store::SeriesKey& key) {
  if (!key.namespace_name.empty())
    return key.subject_kind + "/" + key.namespace_name + "/" + key.name;
  return key.subject_kind + "/" + key.name;
}

struct HistoryCommand {
  std::string history;
  std::string pod;
  std::string node;
  bool host = false;
  std::string host_name;
  std::string metric;
  std::string since;
  std::string from;
  std::string to;
  OutputFlags output;
  bool list = false;

  std::filesystem::path historyPath() const {
    if (!history.empty()) return history;
    return store::defaultHistoryPath([](const char* name) { return std::getenv(name); });
  }

  HistoryStore::SeriesQuery buildQuery(std::int64_t now_ms) const {
    HistoryStore::SeriesQuery q;
    const int subjects = (pod.empty() ? 0 : 1) + (node.empty() ? 0 : 1) + (host ? 1 : 0);
    if (subjects != 1) {
      throw Error(ErrorCode::kBadInput,
                  "history: choose one of --pod NAMESPACE/NAME, --node NAME, --host (or --list)");
    }
    if (!pod.empty()) {
      const std::size_t slash = pod.find('/');
      if (slash == std::string::npos || slash == 0 || slash + 1 == pod.size() ||
          pod.find('/', slash + 1) != std::string::npos) {
        throw Error(ErrorCode::kBadInput,
                    fmt::format("--pod \"{}\": expected NAMESPACE/NAME", pod));
      }
      q.subject_kind = "pod";
      q.namespace_name = pod.substr(0, slash);
      q.name = pod.substr(slash + 1);
    } else if (!node.empty()) {
      q.subject_kind = "node";
      q.name = node;
    } else {
      q.subject_kind = "host";
      q.name = host_name;
    }
    if (!metric.empty()) q.metric = metric;
    if (!from.empty()) {
      q.from_ms = parseTimeMs("--from", from);
      q.to_ms = to.empty() ? now_ms : parseTimeMs("--to", to);
    } else if (!to.empty()) {
      throw Error(ErrorCode::kBadInput, "--to needs --from");
    } else {
      q.from_ms = now_ms - parseDurationFlag("--since", since.empty() ? "1h" : since).count();
      q.to_ms = now_ms;
    }
    if (q.from_ms > q.to_ms) {
      throw Error(ErrorCode::kBadInput, fmt::format("--from {} is after --to {}",
                                                    formatMs(q.from_ms), formatMs(q.to_ms)));
    }
    return q;
  }

  int runList(const HistoryStore& store) const {
    const auto series = store.summarizeSeries();
    const auto time = [](const std::optional<std::int64_t>& ms) {
      return ms ? formatMs(*ms) : std::string();
    };
    nlohmann::json doc = nlohmann::json::array();
    for (const auto& s : series) {
      doc.push_back({{"subject_kind", s.key.subject_kind},
                     {"namespace", s.key.namespace_name},
                     {"name", s.key.name},
                     {"metric", s.key.metric},
                     {"first", s.first_ms ? nlohmann::json(time(s.first_ms)) : nullptr},
                     {"last", s.last_ms ? nlohmann::json(time(s.last_ms)) : nullptr}});
    }
    output.write(doc, [&](const std::string& format) {
      if (format == "csv") {
        std::string out =
            core::csvRecord({"subject_kind", "namespace", "name", "metric", "first", "last"});
        for (const auto& s : series) {
          out += core::csvRecord({s.key.subject_kind, s.key.namespace_name, s.key.name,
                                  s.key.metric, time(s.first_ms), time(s.last_ms)});
        }
        return out;
      }
      docs::Table table({"KIND", "NAMESPACE", "NAME", "METRIC", "FIRST", "LAST"});
      for (const auto& s : series) {
        table.add({s.key.subject_kind, s.key.namespace_name.empty() ? "-" : s.key.namespace_name,
                   s.key.name, s.key.metric, time(s.first_ms), time(s.last_ms)});
      }
      return table.render();
    });
    if (series.empty()) {
      std::cerr << "keelson history: " << store.path().string() << " holds no series yet\n";
    }
    return kExitOk;
  }

  int run() const {
    const std::int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count();
    // Validate the flags before touching the file.
    const std::optional<HistoryStore::SeriesQuery> q =
        list ? std::nullopt : std::optional(buildQuery(now_ms));
    const HistoryStore store = HistoryStore::openReadOnly(historyPath());
    if (!q) return runList(store);

    const auto result = store.query(*q);
    std::size_t points = 0;
    nlohmann::json series = nlohmann::json::array();
    for (const auto& s : result) {
      points += s.points.size();
      nlohmann::json values = nlohmann::json::array();
      for (const auto& [ts, value] : s.points) {
        values.push_back({{"timestamp", formatMs(ts)}, {"value", value}});
      }
      series.push_back({{"subject_kind", s.key.subject_kind},
                        {"namespace", s.key.namespace_name},
                        {"name", s.key.name},
                        {"metric", s.key.metric},
                        {"points", std::move(values)}});
    }
    const nlohmann::json doc = {{"history", store.path().string()},
                                {"from", formatMs(q->from_ms)},
                                {"to", formatMs(q->to_ms)},
                                {"series", std::move(series)}};
    output.write(doc, [&](const std::string& format) {
      if (format == "csv") {
        std::string out =
            core::csvRecord({"timestamp", "subject_kind", "namespace", "name", "metric", "value"});
        for (const auto& s : result) {
          for (const auto& [ts, value] : s.points) {
            out += core::csvRecord({formatMs(ts), s.key.subject_kind, s.key.namespace_name,
                                    s.key.name, s.key.metric, formatValue(value)});
          }
        }
        return out;
      }
      if (points == 0) return std::string();
      docs::Table table({"TIMESTAMP", "SUBJECT", "METRIC", "VALUE"});
      for (const auto& s : result) {
        for (const auto& [ts, value] : s.points) {
          table.add({formatMs(ts), subjectOf(s.key), s.key.metric, formatValue(value)});
        }
      }
      return table.render();
    });
    if (points == 0) {
      std::cerr << fmt::format("keelson history: no points for {} from {} to {} in {}\n",
                               describe(*q), formatMs(q->from_ms), formatMs(q->to_ms),
                               store.path().string());
    }
    return kExitOk;
  }
};

}  // namespace

void addHistoryCommand(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand(
      "history",
      "query the history database `keelson monitor` writes: a pod's, node's or the host's "
      "series over a time range, as a table, CSV or JSON");
  auto c = std::make_shared<HistoryCommand>();
  cmd->add_option("--history", c->history,
                  "history database (default: $XDG_STATE_HOME/keelson/history.db, else "
                  "~/.local/state/keelson/history.db)");
  auto* pod = cmd->add_option("--pod", c->pod, "the series of this pod (NAMESPACE/NAME)");
  auto* node = cmd->add_option("--node", c->node, "the series of this node");
  auto* host = cmd->add_flag("--host", c->host, "the series of the host monitor ran on");
  cmd->add_option("--host-name", c->host_name,
                  "with --host: only this host's series (default: any host)")
      ->needs(host);
  pod->excludes(node)->excludes(host);
  node->excludes(host);
  cmd->add_option("--metric", c->metric, "only this metric (default: every metric)");
  auto* since = cmd->add_option("--since", c->since,
                                "how far back from now (e.g. 30m, 1h, 7d, 1h30m; default 1h)")
                    ->check(durationValidator("--since"));
  auto* from = cmd->add_option("--from", c->from, "start of the range, RFC 3339 (inclusive)");
  auto* to = cmd->add_option("--to", c->to, "end of the range, RFC 3339 (inclusive; default: now)");
  since->excludes(from)->excludes(to);
  // --format: the flag's older name.
  c->output.add(*cmd, {"text", "csv", "json", "yaml"}, "-o,--output,--format");
  auto* list = cmd->add_flag("--list", c->list, "list the stored series and their time spans");
  list->excludes(pod)->excludes(node)->excludes(host)->excludes(since)->excludes(from)->excludes(
      to);
  cmd->callback([&action, c] { action = [c] { return c->run(); }; });
}

}  // namespace keelson::cli
