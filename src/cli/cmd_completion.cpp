// keelson completion bash|zsh|fish: a shell completion script generated from the CLI11 app
// itself (every subcommand, flag and fixed set of flag values), so it cannot drift from the
// binary it came from.
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/error.h"

namespace keelson::cli {
namespace {

/// One flag as completion sees it.
struct Flag {
  std::vector<std::string> names;   ///< "--output", "-o".
  std::string long_name;            ///< "output" ("" when it has none).
  std::string short_name;           ///< "o" ("" when it has none).
  bool takes_value = false;         ///< Else a switch.
  std::vector<std::string> values;  ///< The fixed set it accepts, if any.
  std::string description;
};

/// One command: "keelson", "keelson diagnose", "keelson diagnose pod", ...
struct Command {
  std::string path;
  std::vector<std::pair<std::string, std::string>> subcommands;  ///< Name, description.
  std::vector<Flag> flags;  ///< Its own, then those of the commands it falls through to.
};

// The values of "TEXT:{a,b,c}", the type name CLI11 shows for an IsMember-checked option (and
// addFormatOption's check).
std::vector<std::string> choicesOf(const CLI::Option& option) {
  const std::string type = option.get_type_name();
  const auto open = type.rfind(":{");
  std::vector<std::string> values;
  if (open == std::string::npos || type.back() != '}') return values;
  std::string value;
  for (const char c : type.substr(open + 2, type.size() - open - 3)) {
    if (c == ',') {
      values.push_back(value);
      value.clear();
    } else if (c != ' ') {
      value += c;
    }
  }
  values.push_back(value);
  return values;
}

std::vector<Flag> ownFlags(const CLI::App& app) {
  std::vector<Flag> flags;
  for (const CLI::Option* option : app.get_options()) {
    if (option->get_positional() || option->get_group().empty()) continue;  // hidden
    Flag flag;
    for (const auto& name : option->get_lnames()) flag.names.push_back("--" + name);
    for (const auto& name : option->get_snames()) flag.names.push_back("-" + name);
    if (!option->get_lnames().empty()) flag.long_name = option->get_lnames().front();
    if (!option->get_snames().empty()) flag.short_name = option->get_snames().front();
    flag.takes_value = option->get_expected_max() > 0;  // a switch expects none
    if (flag.takes_value) flag.values = choicesOf(*option);
    flag.description = option->get_description();
    flags.push_back(std::move(flag));
  }
  return flags;
}

void collect(const CLI::App& app, const std::string& path, std::vector<Flag> inherited,
             std::vector<Command>& out) {
  Command command{path, {}, ownFlags(app)};
  std::set<std::string> seen;
  for (const auto& flag : command.flags) seen.insert(flag.names.begin(), flag.names.end());
  for (auto& flag : inherited) {
    if (!seen.contains(flag.names.front())) command.flags.push_back(flag);
  }
  const auto children = app.get_subcommands(
      [](const CLI::App* sub) { return !sub->get_name().empty() && !sub->get_group().empty(); });
  for (const CLI::App* child : children) {
    command.subcommands.emplace_back(child->get_name(), child->get_description());
  }
  out.push_back(command);
  for (const CLI::App* child : children) {
    // A subcommand that falls through accepts its parents' flags too (the global ones).
    collect(*child, path + " " + child->get_name(),
            child->get_fallthrough() ? command.flags : std::vector<Flag>{}, out);
  }
}

std::string join(const std::vector<std::string>& words, const std::string& separator) {
  std::string out;
  for (const auto& word : words) out += (out.empty() ? "" : separator) + word;
  return out;
}

std::string quotedForFish(const std::string& text) {
  std::string out = "'";
  for (const char c : text) out += c == '\'' ? std::string("\\'") : std::string(1, c);
  return out + "'";
}

// Every flag that takes a value, by all its names: the word after one is its value, not a
// subcommand.
std::vector<std::string> valueFlagNames(const std::vector<Command>& commands) {
  std::set<std::string> names;
  for (const auto& command : commands) {
    for (const auto& flag : command.flags) {
      if (flag.takes_value) names.insert(flag.names.begin(), flag.names.end());
    }
  }
  return {names.begin(), names.end()};
}

std::string bashScript(const std::vector<Command>& commands) {
  std::vector<std::string> paths;
  for (const auto& command : commands) paths.push_back("\"" + command.path + "\"");
  std::string words_case;
  std::string values_case;
  for (const auto& command : commands) {
    std::vector<std::string> words;
    for (const auto& [name, description] : command.subcommands) words.push_back(name);
    for (const auto& flag : command.flags) {
      words.insert(words.end(), flag.names.begin(), flag.names.end());
      if (!flag.takes_value) continue;
      std::vector<std::string> patterns;
      for (const auto& name : flag.names)
        patterns.push_back("\"" + command.path + "|" + name + "\"");
      // No fixed values: COMPREPLY stays empty, so `complete -o default` offers file names.
      values_case +=
          flag.values.empty()
              ? fmt::format("    {}) return 0 ;;\n", join(patterns, "|"))
              : fmt::format("    {}) COMPREPLY=($(compgen -W \"{}\" -- \"$cur\")); return 0 ;;\n",
                            join(patterns, "|"), join(flag.values, " "));
    }
    words_case += fmt::format("    \"{}\") words=\"{}\" ;;\n", command.path, join(words, " "));
  }
  return fmt::format(
      R"(# keelson completion for bash, generated by `keelson completion bash` from the binary's own
# subcommands and flags. Install: keelson completion bash > /etc/bash_completion.d/keelson
# (or add `source <(keelson completion bash)` to ~/.bashrc).
_keelson() {{
  local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="" path="keelson" word words="" i
  [[ $COMP_CWORD -gt 0 ]] && prev="${{COMP_WORDS[COMP_CWORD-1]}}"
  COMPREPLY=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="${{COMP_WORDS[i]}}"
    [[ "$word" == "--" ]] && return 0  # what follows is a command line of its own (host exec)
    case "$word" in
      {}) ((i++)); continue ;;
    esac
    case "$path $word" in
      {}) path="$path $word" ;;
    esac
  done
  case "$path|$prev" in
{}  esac
  case "$path" in
{}  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}}
complete -o default -F _keelson keelson
)",
      join(valueFlagNames(commands), "|"), join(paths, "|"), values_case, words_case);
}

std::string fishScript(const std::vector<Command>& commands) {
  std::vector<std::string> paths;
  for (const auto& command : commands) paths.push_back(quotedForFish(command.path));
  std::string out = fmt::format(
      R"(# keelson completion for fish, generated by `keelson completion fish` from the binary's own
# subcommands and flags. Install: keelson completion fish > ~/.config/fish/completions/keelson.fish
function __keelson_path --description 'true when the subcommands typed so far are $argv[1]'
    set -l path keelson
    set -l skip 0
    for word in (commandline -opc)[2..-1]
        if test $skip = 1
            set skip 0
            continue
        end
        if contains -- $word {}
            set skip 1
            continue
        end
        if contains -- "$path $word" {}
            set path "$path $word"
        end
    end
    test "$path" = "$argv[1]"
end
complete -c keelson -f
)",
      join(valueFlagNames(commands), " "), join(paths, " "));
  for (const auto& command : commands) {
    const std::string condition = "-n \"__keelson_path '" + command.path + "'\"";
    for (const auto& [name, description] : command.subcommands) {
      out += fmt::format("complete -c keelson {} -a {} -d {}\n", condition, name,
                         quotedForFish(description));
    }
    for (const auto& flag : command.flags) {
      std::string spec;
      if (!flag.long_name.empty()) spec += " -l " + flag.long_name;
      if (!flag.short_name.empty()) spec += " -s " + flag.short_name;
      if (!flag.values.empty()) {
        spec += " -x -a " + quotedForFish(join(flag.values, " "));
      } else if (flag.takes_value) {
        spec += " -r -F";
      }
      out += fmt::format("complete -c keelson {}{} -d {}\n", condition, spec,
                         quotedForFish(flag.description));
    }
  }
  return out;
}

// cobra's ShellCompDirective values that kubectl passes on to the shell.
constexpr int kCompleteFiles = 0;
constexpr int kCompleteNoFiles = 4;

}  // namespace

std::string kubectlPluginCompletions(const CLI::App& app, const std::vector<std::string>& words) {
  std::vector<Command> commands;
  collect(app, "keelson", {}, commands);
  const auto value_flags = valueFlagNames(commands);
  const auto takes_value = [&value_flags](const std::string& word) {
    return std::find(value_flags.begin(), value_flags.end(), word) != value_flags.end();
  };
  const auto find = [&commands](const std::string& path) {
    return std::find_if(commands.begin(), commands.end(),
                        [&path](const Command& c) { return c.path == path; });
  };
  const std::string current = words.empty() ? "" : words.back();
  auto command = find("keelson");
  std::string previous;
  for (std::size_t i = 0; i + 1 < words.size(); ++i) {
    if (words[i] == "--") return fmt::format(":{}\n", kCompleteFiles);  // host exec's command
    if (takes_value(words[i]) && i + 2 < words.size()) {
      ++i;  // its value
      continue;
    }
    if (const auto sub = find(command->path + " " + words[i]); sub != commands.end()) {
      command = sub;
    }
    previous = words[i];
  }
  std::string out;
  const auto offer = [&out, &current](const std::string& name, const std::string& description) {
    if (name.starts_with(current)) out += name + "\t" + description + "\n";
  };
  if (takes_value(previous)) {
    for (const auto& flag : command->flags) {
      if (std::find(flag.names.begin(), flag.names.end(), previous) == flag.names.end()) continue;
      if (flag.values.empty()) return fmt::format(":{}\n", kCompleteFiles);
      for (const auto& value : flag.values) offer(value, flag.description);
    }
    return out + fmt::format(":{}\n", kCompleteNoFiles);
  }
  for (const auto& [name, description] : command->subcommands) offer(name, description);
  if (current.starts_with("-")) {
    for (const auto& flag : command->flags) {
      for (const auto& name : flag.names) offer(name, flag.description);
    }
  }
  return out + fmt::format(":{}\n", kCompleteNoFiles);
}

std::string completionScript(const CLI::App& app, const std::string& shell) {
  std::vector<Command> commands;
  collect(app, "keelson", {}, commands);
  if (shell == "bash") return bashScript(commands);
  // zsh runs bash completion functions through its bashcompinit emulation.
  if (shell == "zsh") {
    return "# keelson completion for zsh. Install: add `source <(keelson completion zsh)` to "
           "~/.zshrc.\nautoload -U +X compinit && compinit\nautoload -U +X bashcompinit && "
           "bashcompinit\n" +
           bashScript(commands);
  }
  if (shell == "fish") return fishScript(commands);
  throw Error(ErrorCode::kBadInput, "completion: \"" + shell + "\": expected bash, zsh or fish");
}

void addCompletionCommand(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand("completion",
                                 "print a shell completion script (bash, zsh or fish) for keelson");
  auto shell = std::make_shared<std::string>();
  cmd->add_option("shell", *shell, "bash, zsh or fish")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh", "fish"}));
  cmd->callback([&app, &action, shell] {
    action = [&app, shell] {
      std::cout << completionScript(app, *shell) << std::flush;
      return kExitOk;
    };
  });
}

}  // namespace keelson::cli
