#pragma once

// CSV as RFC 4180 writes it, for every CSV keelson produces (monitor's dataset, history and audit
// exports). Records end in LF (not RFC 4180's CRLF; every CSV reader of note accepts both, and
// line tools prefer LF).

#include <string>
#include <string_view>
#include <vector>

namespace keelson::core {

/// RFC 4180 field quoting: returns `value` unchanged unless it holds a comma, a double quote, a
/// CR or an LF; then it is wrapped in double quotes with each inner double quote doubled
/// (`a"b,c` -> `"a""b,c"`). Pure.
std::string csvField(std::string_view value);

/// One record: the fields quoted by csvField, joined by commas, ended by LF. Pure.
std::string csvRecord(const std::vector<std::string>& fields);

}  // namespace keelson::core
