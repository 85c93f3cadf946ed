#pragma once

// The one text table renderer, in kubectl's style: a header row of capitals, then one row per
// object, columns left-aligned and separated by at least two spaces, no trailing spaces.

#include <string>
#include <string_view>
#include <vector>

namespace keelson::docs {

/// A table of text cells, rendered with each column as wide as its widest cell (in bytes).
/// Cells are printed as given: escape terminal control characters (core::terminalSafe) in
/// values from outside before adding them. Not thread-safe.
class Table {
 public:
  /// Starts a table with its header row.
  explicit Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }

  /// Appends a row (a shorter row leaves its last columns empty).
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }

  /// The header and rows, each line prefixed by `indent` and ended by '\n'.
  std::string render(std::string_view indent = "") const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace keelson::docs
