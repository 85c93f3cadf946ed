#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace keelson::cli {

/// Exit codes shared by every subcommand.
/// 0: everything asked for was produced. 1: bad input or a fatal failure, nothing useful was
/// produced (the message says which input and what was expected). 2: the output was produced but a
/// section of it failed (e.g. `capture` printed the host but the cluster was unreachable).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitDegraded = 2;

/// A subcommand's body, run after CLI11 has parsed the arguments; returns the exit code.
using Action = std::function<int()>;

/// Registers `keelson host` (and `keelson host exec`) on `app`; the chosen action is stored in
/// `action`.
void addHostCommand(CLI::App& app, Action& action);

/// Registers `keelson capture` on `app`; the chosen action is stored in `action`.
void addCaptureCommand(CLI::App& app, Action& action);

/// Registers `keelson monitor` (cmd_monitor.cpp) on `app`.
void addMonitorCommand(CLI::App& app, Action& action);

/// Registers `keelson history` (cmd_history.cpp) on `app`.
void addHistoryCommand(CLI::App& app, Action& action);

/// Registers `keelson detect` (cmd_detect.cpp) on `app`.
void addDetectCommand(CLI::App& app, Action& action);

/// Registers `keelson serve` (cmd_serve.cpp) on `app`.
void addServeCommand(CLI::App& app, Action& action);

/// Registers `keelson diagnose pod` and `keelson diagnose namespace` (cmd_diagnose.cpp) on `app`.
void addDiagnoseCommand(CLI::App& app, Action& action);
/// Registers `keelson describe pod` (cmd_describe.cpp) on `app`.
void addDescribeCommand(CLI::App& app, Action& action);

}  // namespace keelson::cli
