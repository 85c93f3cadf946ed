#pragma once

// Output selection shared by the subcommands, in kubectl's convention: `-o/--output FORMAT`
// chooses the format, `--output-file PATH` the destination.

#include <CLI/CLI.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace keelson::cli {

/// Registers `-o,--output FORMAT` on `command`, storing into `format` (whose value is the
/// default) and accepting only `allowed`: anything else is a usage error (exit 1) naming the
/// flag and the allowed values, with a hint at --output-file when the value looks like a file.
/// `names` are CLI11's option names (a command may keep an older alias such as `--format`).
CLI::Option* addFormatOption(CLI::App& command, std::string& format,
                             const std::vector<std::string>& allowed,
                             const std::string& names = "-o,--output");

/// `doc` rendered as "json" (indented by 2) or "yaml" (block style, keys in the document's
/// order), ending with a newline. Throws Error(kBadInput) for any other format.
std::string renderDocument(const nlohmann::json& doc, const std::string& format);

/// The `-o/--output FORMAT` and `--output-file PATH` flags of a command that prints one
/// document: "json" and "yaml" render the document itself, every other format (text, wide,
/// name, csv) is the command's own rendering.
struct OutputFlags {
  std::string format = "text";  ///< One of the formats given to add().
  std::string file;             ///< --output-file; "" writes to standard output.

  /// Registers -o/--output (accepting `formats`, the first one the default; `names` as in
  /// addFormatOption) and --output-file.
  void add(CLI::App& command, const std::vector<std::string>& formats,
           const std::string& names = "-o,--output");
  /// Registers the hidden, deprecated `--json` (= `-o json`) and `--pretty` (accepted, no
  /// effect: `-o json` is always indented) of commands that had them.
  void addLegacyJsonFlags(CLI::App& command);
  /// True for json and yaml.
  bool structured() const;
  /// Writes renderDocument(doc, format) when structured(), else render_text(format), to
  /// standard output or --output-file. render_text is only called when needed. Throws
  /// Error(kBadInput) naming --output-file when the file cannot be written.
  void write(const nlohmann::json& doc,
             const std::function<std::string(const std::string& format)>& render_text) const;
};

}  // namespace keelson::cli
