// --state-dir: the directory given, else store::defaultStateDir(); the audit log inside it.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "cli/options.h"
#include "store/audit_log.h"

namespace keelson::cli {
namespace {

StateFlags parse(std::vector<std::string> args) {
  CLI::App app{"test"};
  StateFlags flags;
  flags.add(app);
  std::reverse(args.begin(), args.end());  // CLI11 takes them last first
  app.parse(args);
  return flags;
}

TEST(StateFlags, GivenDirectoryElseTheDefault) {
  const StateFlags given = parse({"--state-dir", "/srv/keelson"});
  EXPECT_EQ(given.path(), std::filesystem::path("/srv/keelson"));
  EXPECT_EQ(given.auditLogPath(), std::filesystem::path("/srv/keelson/audit.db"));
  const StateFlags unset = parse({});
  EXPECT_EQ(unset.path(), store::defaultStateDir());
  EXPECT_EQ(unset.auditLogPath(), store::defaultStateDir() / "audit.db");
}

}  // namespace
}  // namespace keelson::cli
