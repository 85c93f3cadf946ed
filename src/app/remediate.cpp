#include "app/remediate.h"

#include <fmt/format.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <map>
#include <ostream>
#include <set>
#include <utility>

#include "act/actuator.h"
#include "act/outcome.h"
#include "act/owner.h"
#include "act/remediation_history.h"
#include "app/remediate_text.h"
#include "app/write_session.h"
#include "core/duration.h"
#include "core/error.h"
#include "core/log.h"
#include "docs/insights_file.h"

namespace keelson::app {
namespace {

using act::ActionKind;
using act::Decision;
using nlohmann::json;

core::WallTime fromEpochMillis(std::int64_t ms) {
  return core::WallTime(std::chrono::milliseconds(ms));
}

// Runs `action` through `actuator` in `mode`.
act::ActionResult runAction(act::Actuator& actuator, const act::ProposedAction& action,
                            act::DryRun mode) {
  const act::WriteOptions options{mode, "keelson-remediate"};
  const act::ObjectRef& target = action.target;
  switch (action.kind) {
    case ActionKind::kRolloutRestart:
      return actuator.rolloutRestart(target, options);
    case ActionKind::kRestartPod:
      return actuator.restartPod(target.namespace_name, target.name, action.force, options);
    case ActionKind::kSetResources:
      return actuator.setResources(target, action.resources, options);
    case ActionKind::kCordon:
      return actuator.cordon(target.name, options);
    case ActionKind::kDrain:
      return actuator.drain(target.name, action.drain, options);
    case ActionKind::kScale: {
      act::ScaleOptions scale;
      scale.replicas = action.replicas.value_or(1);
      return actuator.scale(target, scale, options);
    }
    case ActionKind::kNone:
      break;
  }
  throw Error(ErrorCode::kInternal, "remediation: no action to run");
}

// A finding waiting for its settle period to end.
struct PendingOutcome {
  std::size_t item = 0;  // index in the history
  std::size_t run_item = 0;
  core::SteadyTime due;
  core::WallTime acted_at;  // when the action ended
  analysis::TrackedFinding before;
  std::set<std::string> open_before;
  std::optional<act::ObjectRef> workload;
};

class Remediation {
 public:
  Remediation(const RemediateOptions& options, FindingsSource& source, Approver* approver,
              std::ostream& out, std::stop_token stop)
      : options_(options),
        source_(source),
        approver_(approver),
        out_(out),
        stop_(std::move(stop)),
        history_(act::RemediationHistory::load(options.history_file)),
        session_(options.kube, options.api_timeout, options.audit_path,
                 act::Requester{"remediation", ""}) {
    if (options.mode == ApprovalMode::kInteractive && approver_ == nullptr) {
      throw Error(ErrorCode::kInternal, "remediate: interactive without an approver");
    }
    if (options.llm) explainer_ = std::make_unique<act::LlmExplainer>(*options.llm);
    for (const store::AuditRecord& record : session_.unknownOutcomes()) {
      out_ << fmt::format(
          "Warning: audit: {} {} (record {}, pid {}) has an unknown outcome: its process ended "
          "before recording one\n",
          record.intent.verb, record.intent.target, record.id, record.pid);
    }
  }

  RemediateResult run() {
    const auto clock = core::systemClock();
    while (!stop_.stop_requested() && !quit_) {
      pass();
      checkOutcomes(false);
      if (options_.once || quit_) break;
      core::SteadyTime wake = core::SteadyTime::max();
      for (const PendingOutcome& p : pending_) wake = std::min(wake, p.due);
      if (!source_.waitForUpdate(wake, stop_)) break;
    }
    if (options_.once && !quit_ && !pending_.empty() && !stop_.stop_requested()) {
      core::SteadyTime last = pending_.front().due;
      for (const PendingOutcome& p : pending_) last = std::max(last, p.due);
      out_ << fmt::format("Waiting {} (--settle-period) to check the outcome of {} action{}...\n",
                          core::formatDuration(options_.settle_period), pending_.size(),
                          pending_.size() == 1 ? "" : "s");
      out_.flush();
      if (clock->sleepUntil(last, stop_)) checkOutcomes(true);
    }
    for (const PendingOutcome& p : pending_) {
      setOutcome(
          p, {{"status", "unchecked"}, {"details", "the run ended before the settle period did"}});
    }
    pending_.clear();
    save();
    return std::move(result_);
  }

 private:
  // The source's findings; nullopt (logged) when there are none yet and this is not --once.
  std::optional<std::vector<analysis::TrackedFinding>> readFindings() {
    std::optional<docs::InsightsSnapshot> snapshot = source_.latest();
    if (snapshot) return std::move(snapshot->findings);
    if (options_.once) {
      throw Error(ErrorCode::kNotFound,
                  fmt::format("no findings in {}: it does not exist (run keelson monitor first, "
                              "or pass --insights-file)",
                              source_.name()));
    }
    core::logEvent(spdlog::level::warn, "remediate: no findings yet", {{"source", source_.name()}});
    return std::nullopt;
  }

  void pass() {
    const auto findings = readFindings();
    if (!findings) return;
    std::vector<const analysis::TrackedFinding*> open;
    std::set<std::string> open_ids;
    for (const auto& t : *findings) {
      if (!t.open()) continue;
      open.push_back(&t);
      open_ids.insert(t.finding.id);
    }
    if (open.empty() && options_.once) {
      out_ << "No open findings in " << source_.name() << ".\n";
    }
    // The most severe first; then by id, as the file is.
    std::stable_sort(open.begin(), open.end(), [](const auto* a, const auto* b) {
      return act::severityRank(a->finding.severity) > act::severityRank(b->finding.severity);
    });
    for (const analysis::TrackedFinding* t : open) {
      if (stop_.stop_requested() || quit_) return;
      handle(*t, open_ids);
    }
  }

  void handle(const analysis::TrackedFinding& tracked, const std::set<std::string>& open_ids) {
    const analysis::Finding& f = tracked.finding;
    const std::string first_seen = kube::formatTime(tracked.first_seen);
    const std::string key = f.id + "@" + first_seen;
    if (handled_.contains(key)) return;
    if (history_.actedOn(f.id, first_seen)) {
      handled_.insert(key);
      return;
    }
    const double confidence = act::findingConfidence(f);
    if (confidence < options_.confidence_threshold) {
      handled_.insert(key);
      act::Proposal proposal;
      proposal.finding_id = f.id;
      proposal.finding_kind = f.kind;
      proposal.confidence = confidence;
      proposal.reason = "Not acted on: the finding's confidence is below the threshold.";
      record(tracked, proposal, Decision::kBelowThreshold,
             fmt::format("confidence {:.2f} is below --confidence-threshold {:.2f}", confidence,
                         options_.confidence_threshold));
      out_ << fmt::format(
          "Finding {}: confidence {:.2f} is below --confidence-threshold {:.2f}: "
          "not acted on\n\n",
          f.id, confidence, options_.confidence_threshold);
      return;
    }

    std::optional<act::PodOwner> owner;
    std::string owner_error;
    if (act::needsPodOwner(f, options_.planner)) {
      try {
        const kube::Client& client = session_.client();
        owner = act::resolvePodOwner([&](const std::string& path) { return client.get(path); },
                                     f.subject.namespace_name, f.subject.name);
      } catch (const Error& e) {
        owner_error = e.what();
      }
    }
    act::Proposal proposal = act::plan(f, owner, options_.planner);
    if (!owner_error.empty()) proposal.reason += " (" + owner_error + ")";
    std::optional<LlmText> llm;
    if (explainer_) {
      try {
        llm = LlmText{explainer_->model(), explainer_->explain(f, proposal, stop_)};
      } catch (const Error& e) {
        core::logEvent(spdlog::level::warn, "remediate: no LLM explanation",
                       {{"finding", f.id}, {"error", e.what()}});
      }
    }

    if (proposal.action.kind == ActionKind::kNone) {
      handled_.insert(key);
      out_ << renderProposal(tracked, proposal, std::nullopt, llm) << "\n";
      record(tracked, proposal, Decision::kNoAction, "", llm);
      return;
    }
    ++result_.proposals;
    act::Actuator actuator(session_.client(), session_.auditLog(),
                           act::Requester{"remediation", f.id});
    switch (options_.mode) {
      case ApprovalMode::kDryRun: {
        handled_.insert(key);
        const act::ActionResult dry = runAction(actuator, proposal.action, act::DryRun::kServer);
        out_ << renderProposal(tracked, proposal, dry, llm) << "\n";
        const std::size_t i =
            record(tracked, proposal, Decision::kDryRun, "--dry-run: shown, not run", llm);
        setField(i, "dry_run_result", act::toJson(dry));
        return;
      }
      case ApprovalMode::kAutoApprove: {
        handled_.insert(key);
        out_ << renderProposal(tracked, proposal, std::nullopt, llm);
        const act::PolicyVerdict verdict = act::evaluatePolicy(
            proposal.action, policyState(), options_.policy, core::systemClock()->wallNow());
        if (!verdict.allowed) {
          out_ << "  Refused by the policy: " << verdict.reason << "\n\n";
          record(tracked, proposal, Decision::kRefusedByPolicy, verdict.reason, llm);
          return;
        }
        out_ << "  Auto-approved within the policy.\n";
        apply(actuator, tracked, proposal, open_ids, "--auto-approve, within the policy", llm);
        return;
      }
      case ApprovalMode::kInteractive:
        break;
    }
    const act::ActionResult dry = runAction(actuator, proposal.action, act::DryRun::kServer);
    out_ << renderProposal(tracked, proposal, dry, llm);
    const act::PolicyVerdict verdict = act::evaluatePolicy(
        proposal.action, policyState(), options_.policy, core::systemClock()->wallNow());
    if (!verdict.allowed) {
      out_ << "  Note: --auto-approve would refuse this: " << verdict.reason << "\n";
    }
    const Answer answer = approver_->ask(out_);
    switch (answer) {
      case Answer::kYes:
        handled_.insert(key);
        apply(actuator, tracked, proposal, open_ids, "approved at the terminal", llm, &dry);
        break;
      case Answer::kNo: {
        handled_.insert(key);
        const std::size_t i = record(tracked, proposal, Decision::kDeclined, "declined", llm);
        setField(i, "dry_run_result", act::toJson(dry));
        out_ << "\n";
        break;
      }
      case Answer::kSkip:
      case Answer::kQuit: {
        const bool quit = answer == Answer::kQuit;
        const std::size_t i = record(tracked, proposal, Decision::kSkipped,
                                     quit ? "quit" : "skipped until the next pass", llm);
        setField(i, "dry_run_result", act::toJson(dry));
        quit_ = quit;
        out_ << "\n";
        break;
      }
    }
  }

  // Runs an approved proposal and schedules the outcome check when it succeeded.
  void apply(act::Actuator& actuator, const analysis::TrackedFinding& tracked,
             const act::Proposal& proposal, const std::set<std::string>& open_ids,
             const std::string& reason, const std::optional<LlmText>& llm,
             const act::ActionResult* dry = nullptr) {
    const act::ActionResult result = runAction(actuator, proposal.action, act::DryRun::kNone);
    ++result_.acted;
    out_ << renderActionResult(result, "  ") << "\n";
    const std::size_t i = record(tracked, proposal, Decision::kApproved, reason, llm);
    if (dry != nullptr) setField(i, "dry_run_result", act::toJson(*dry));
    setField(i, "result", act::toJson(result));
    if (result.outcome != act::Outcome::kSucceeded) {
      ++result_.failed;
      return;
    }
    PendingOutcome pending;
    pending.item = i;
    pending.run_item = result_.items.size() - 1;
    pending.due = core::systemClock()->steadyNow() + options_.settle_period;
    pending.acted_at = core::systemClock()->wallNow();
    pending.before = tracked;
    pending.open_before = open_ids;
    if (proposal.action.target.kind.kind != "Pod" && proposal.action.target.kind.kind != "Node") {
      pending.workload = proposal.action.target;
    }
    const auto due_at =
        core::systemClock()->wallNow() +
        std::chrono::duration_cast<core::WallTime::duration>(options_.settle_period);
    setOutcome(pending, {{"status", "pending"}, {"due_at", kube::formatTime(due_at)}});
    pending_.push_back(std::move(pending));
  }

  // Checks the pending outcomes that are due (all of them with `all`).
  void checkOutcomes(bool all) {
    const core::SteadyTime now = core::systemClock()->steadyNow();
    std::vector<PendingOutcome> due;
    std::vector<PendingOutcome> later;
    for (PendingOutcome& p : pending_)
      ((all || p.due <= now) ? due : later).push_back(std::move(p));
    pending_ = std::move(later);
    if (due.empty()) return;
    std::optional<docs::InsightsSnapshot> latest;
    std::string error = "no findings to compare with";
    try {
      latest = source_.latest();
    } catch (const Error& e) {
      error = e.what();
    }
    if (!latest) {
      for (const PendingOutcome& p : due)
        setOutcome(p, {{"status", "unchecked"}, {"details", error}});
      return;
    }
    const docs::InsightsSnapshot& snapshot = *latest;
    const std::vector<analysis::TrackedFinding>& findings = snapshot.findings;
    for (const PendingOutcome& p : due) {
      // A file no monitor tick wrote since the action says nothing about its effect. The file
      // has whole seconds: a tick in the second of the action counts as after it.
      if (snapshot.generated_at < std::chrono::floor<std::chrono::seconds>(p.acted_at)) {
        const std::string details = fmt::format(
            "the insights file was last written at {}, before the action: is keelson monitor "
            "running?",
            kube::formatTime(snapshot.generated_at));
        out_ << fmt::format("Outcome of {}: unchecked ({})\n", p.before.finding.id, details);
        setOutcome(p, {{"status", "unchecked"}, {"details", details}});
        continue;
      }
      const act::OutcomeCheck check =
          act::evaluateOutcome(p.before, p.open_before, findings, p.workload);
      out_ << fmt::format("Outcome of {}: {} ({})\n", p.before.finding.id,
                          act::remediationOutcomeName(check.outcome), check.details);
      setOutcome(p, {{"status", act::remediationOutcomeName(check.outcome)},
                     {"checked_at", kube::formatTime(core::systemClock()->wallNow())},
                     {"details", check.details}});
    }
    out_.flush();
  }

  // The policy's view: remediation's writes in the audit log (this run's included) and the
  // nodes it cordoned or drained that are still unschedulable.
  act::PolicyState policyState() {
    act::PolicyState state;
    const core::WallTime now = core::systemClock()->wallNow();
    std::set<std::string> nodes;
    for (const store::AuditRecord& record : session_.auditLog().list(0)) {
      const store::AuditIntent& intent = record.intent;
      if (intent.requester.kind != "remediation" || intent.dry_run != "none") continue;
      if (record.outcome && record.outcome->outcome == "refused") continue;
      const core::WallTime started = fromEpochMillis(intent.started_ms);
      if (started > now - std::chrono::hours(2)) state.recent_actions.push_back(started);
      if ((intent.verb == "cordon" || intent.verb == "drain") && record.outcome &&
          record.outcome->outcome == "succeeded" && intent.target.rfind("node/", 0) == 0) {
        nodes.insert(intent.target.substr(5));
      }
    }
    for (const std::string& node : nodes) {
      try {
        const json object = json::parse(session_.client().get("/api/v1/nodes/" + node));
        if (object.value(json::json_pointer("/spec/unschedulable"), false)) {
          state.held_nodes.insert(node);
        }
      } catch (const Error& e) {
        if (e.code() != ErrorCode::kNotFound) state.held_nodes.insert(node);  // be safe
      } catch (const json::exception&) {
        state.held_nodes.insert(node);
      }
    }
    return state;
  }

  std::size_t record(const analysis::TrackedFinding& tracked, const act::Proposal& proposal,
                     Decision decision, const std::string& reason,
                     const std::optional<LlmText>& llm = std::nullopt) {
    json item =
        act::historyItem(tracked, proposal, decision, reason, core::systemClock()->wallNow());
    if (llm) item["llm_explanation"] = {{"model", llm->model}, {"text", llm->text}};
    result_.items.push_back(item);
    const std::size_t i = history_.append(std::move(item));
    save();
    return i;
  }

  void setField(std::size_t i, const char* field, json value) {
    history_.item(i)[field] = value;
    result_.items.back()[field] = std::move(value);
    save();
  }

  void setOutcome(const PendingOutcome& p, const json& outcome) {
    history_.item(p.item)["outcome"] = outcome;
    result_.items[p.run_item]["outcome"] = outcome;
    save();
  }

  void save() { history_.save(); }

  const RemediateOptions& options_;
  FindingsSource& source_;
  Approver* approver_;
  std::ostream& out_;
  std::stop_token stop_;
  act::RemediationHistory history_;
  WriteSession session_;
  std::unique_ptr<act::LlmExplainer> explainer_;
  std::set<std::string> handled_;  // "<id>@<first_seen>" decided in this run
  std::vector<PendingOutcome> pending_;
  RemediateResult result_;
  bool quit_ = false;
};

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

}  // namespace

std::optional<std::string> FdApprover::readLine() {
  for (;;) {
    if (const auto newline = buffer_.find('\n'); newline != std::string::npos) {
      std::string line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      return line;
    }
    if (stop_.stop_requested()) return std::nullopt;
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, 200);  // wake up to see `stop`
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return std::nullopt;
    if (ready == 0) continue;
    std::array<char, 256> chunk{};
    const ssize_t n = ::read(fd_, chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (buffer_.empty()) return std::nullopt;
      return std::exchange(buffer_, {});
    }
    buffer_.append(chunk.data(), static_cast<std::size_t>(n));
  }
}

Answer FdApprover::ask(std::ostream& out) {
  for (;;) {
    out << "Apply? [y/N/skip/quit] " << std::flush;
    const std::optional<std::string> line = readLine();
    if (!line) {
      out << "\n";
      return Answer::kQuit;
    }
    const auto first = line->find_first_not_of(" \t\r");
    const std::string answer =
        first == std::string::npos
            ? ""
            : lower(line->substr(first, line->find_last_not_of(" \t\r") - first + 1));
    if (answer == "y" || answer == "yes") return Answer::kYes;
    if (answer.empty() || answer == "n" || answer == "no") return Answer::kNo;
    if (answer == "s" || answer == "skip") return Answer::kSkip;
    if (answer == "q" || answer == "quit") return Answer::kQuit;
    out << "Please answer y, n, skip or quit.\n";
  }
}

RemediateResult runRemediate(const RemediateOptions& options, FindingsSource& source,
                             Approver* approver, std::ostream& out, std::stop_token stop) {
  return Remediation(options, source, approver, out, std::move(stop)).run();
}

}  // namespace keelson::app
