#pragma once

// Output selection shared by the subcommands, in kubectl's convention: `-o/--output FORMAT`.

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace keelson::cli {

/// Registers `-o,--output FORMAT` on `command`, storing into `format` (whose value is the
/// default) and accepting only `allowed` (a usage error naming the flag otherwise).
void addFormatOption(CLI::App& command, std::string& format,
                     const std::vector<std::string>& allowed);

/// `doc` rendered as "json" (indented by 2) or "yaml" (block style, keys in the document's
/// order), ending with a newline. Throws Error(kBadInput) for any other format.
std::string renderDocument(const nlohmann::json& doc, const std::string& format);

}  // namespace keelson::cli
