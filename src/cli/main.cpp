// keelson: a Kubernetes node and cluster agent. main() only wires the subcommands together; each
// lives in its own cmd_*.cpp.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <string>

#include "cli/commands.h"
#include "core/error.h"
#include "core/log.h"

namespace {

std::string envOr(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

// The file name this binary was run as: kubectl runs a plugin with the plugin's path as argv[0].
std::string programName(int argc, char** argv) {
  return argc > 0 ? std::filesystem::path(argv[0]).filename().string() : "";
}

// The command a user types to run this binary: "kubectl keelson" when it is installed as the
// kubectl plugin kubectl-keelson, else "keelson". The usage line, the hints and the help footers
// name it.
std::string commandName(const std::string& program) {
  return program == "kubectl-keelson" ? "kubectl keelson" : "keelson";
}

// Installed as kubectl_complete-keelson too, keelson answers kubectl's completion of
// `kubectl keelson ...` (cli::kubectlPluginCompletions).
bool completingForKubectl(const std::string& program) {
  return program == "kubectl_complete-keelson";
}

// A usage error's exit code: --help and --version exit 0; everything else is bad input (1), never
// one of CLI11's own codes. An unknown subcommand is named as kubectl names it.
int usageError(const CLI::App& app, const CLI::ParseError& e) {
  if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
  const auto extras = app.remaining();
  if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr && app.get_subcommands().empty() &&
      !extras.empty() && !extras.front().starts_with("-")) {
    std::cerr << "error: unknown command \"" << extras.front() << "\" for \"" << app.get_name()
              << "\"\n"
              << "Run '" << app.get_name() << " --help' for usage.\n";
    return keelson::cli::kExitFailure;
  }
  app.exit(e);
  return keelson::cli::kExitFailure;
}

// Subcommands' --help lists their own flags; this footer points at the global ones.
void describeGlobalFlags(CLI::App& command, const std::string& name) {
  for (CLI::App* sub : command.get_subcommands([](CLI::App*) { return true; })) {
    sub->footer(
        "Global flags, before or after the subcommand: --kubeconfig FILE, --context NAME, "
        "--request-timeout DURATION, --log-level LEVEL, --log-format text|json (" +
        name + " --help).");
    describeGlobalFlags(*sub, name);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string program = programName(argc, argv);
  // Named, so that CLI11 does not take argv[0] (a path) for the usage line.
  CLI::App app{"keelson: a Kubernetes node and cluster agent", commandName(program)};
  app.set_version_flag("--version", [] {
    std::string text = keelson::cli::renderVersion(keelson::cli::versionDocument());
    text.pop_back();  // CLI11 ends the line itself
    return text;
  });
  app.require_subcommand(0, 1);
  // Global flags live on the app; every subcommand (this setting is inherited) hands the flags
  // it does not know to its parent, so they are accepted before or after the subcommand.
  app.fallthrough();
  std::string log_level = envOr("LOG_LEVEL", "warn");
  std::string log_format = envOr("LOG_FORMAT", "text");
  app.add_option("--log-level", log_level, "log level (env LOG_LEVEL)")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
  app.add_option("--log-format", log_format, "log format (env LOG_FORMAT)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  keelson::cli::KubeFlags kube;
  kube.add(app);

  keelson::cli::Action action;
  keelson::cli::addHostCommand(app, action, kube);
  keelson::cli::addCaptureCommand(app, action, kube);
  keelson::cli::addDetectCommand(app, action);
  keelson::cli::addDiagnoseCommand(app, action, kube);
  keelson::cli::addHistoryCommand(app, action);
  keelson::cli::addAuditCommand(app, action);
  keelson::cli::addMonitorCommand(app, action, kube);
  keelson::cli::addServeCommand(app, action, kube);
  keelson::cli::addBackendCommand(app, action);
  keelson::cli::addDescribeCommand(app, action, kube);
  keelson::cli::addCordonCommands(app, action, kube);
  keelson::cli::addDrainCommand(app, action, kube);
  keelson::cli::addEvictCommand(app, action, kube);
  keelson::cli::addScaleCommand(app, action, kube);
  keelson::cli::addRolloutCommand(app, action, kube);
  keelson::cli::addRestartCommand(app, action, kube);
  keelson::cli::addLabelCommand(app, action, kube);
  keelson::cli::addSetCommand(app, action, kube);
  keelson::cli::addRemediateCommand(app, action, kube);
  keelson::cli::addAgentCommand(app, action, kube);
  keelson::cli::addScheduleCommand(app, action, kube);
  keelson::cli::addSchedulerCommand(app, action, kube);
  keelson::cli::addVersionCommand(app, action);
  keelson::cli::addCompletionCommand(app, action);
  describeGlobalFlags(app, app.get_name());
  if (completingForKubectl(program)) {
    std::cout << keelson::cli::kubectlPluginCompletions(app, {argv + 1, argv + argc});
    return keelson::cli::kExitOk;
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return usageError(app, e);
  }
  if (app.get_subcommands().empty()) {  // bare `keelson`: the help, as kubectl prints it
    std::cout << app.help();
    return keelson::cli::kExitOk;
  }
  try {
    keelson::core::setupLogging(log_level, log_format);
    return action ? action() : keelson::cli::kExitOk;
  } catch (const keelson::Error& e) {
    std::cerr << "keelson: " << e.what() << '\n';
    return keelson::cli::kExitFailure;
  } catch (const std::exception& e) {
    std::cerr << "keelson: unexpected failure: " << e.what() << '\n';
    return keelson::cli::kExitFailure;
  }
}
