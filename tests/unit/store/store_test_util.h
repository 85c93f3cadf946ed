#pragma once

#include "common/files.h"
#include "common/temp_dir.h"

// Helpers for the store tests: a temporary directory, running a command for its output, and
// Python's csv module as an independent CSV reader.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace keelson::store::test {

using keelson::testing::readFile;

using keelson::testing::TempDir;

/// What a command printed on stdout and its exit status (-1 when it did not exit normally).
struct CommandResult {
  int exit_code = -1;
  std::string out;
};

/// Runs `command` through /bin/sh, capturing stdout (stderr goes where the test's goes unless
/// the command redirects it).
inline CommandResult runCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    result.out.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

/// Single-quotes `text` for /bin/sh.
inline std::string shellQuote(const std::string& text) {
  std::string quoted = "'";
  for (const char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

/// Parses the CSV file at `path` with Python's csv module (strict mode: a malformed record is an
/// error) and returns its records; fails the test and returns nullopt when Python refuses it.
inline std::optional<std::vector<std::vector<std::string>>> pythonReadCsv(
    const std::filesystem::path& path) {
  const std::string script =
      "import csv, json, sys\n"
      "with open(sys.argv[1], newline='', encoding='utf-8') as f:\n"
      "    print(json.dumps(list(csv.reader(f, strict=True))))\n";
  const CommandResult r =
      runCommand("python3 -c " + shellQuote(script) + " " + shellQuote(path.string()));
  EXPECT_EQ(r.exit_code, 0) << "python3 csv could not read " << path;
  if (r.exit_code != 0) return std::nullopt;
  return nlohmann::json::parse(r.out).get<std::vector<std::vector<std::string>>>();
}

/// Appends raw bytes (to fake a torn write).
inline void appendRaw(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << bytes;
}

}  // namespace keelson::store::test
