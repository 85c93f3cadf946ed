// Parsers of /etc/os-release and /etc/passwd.
#include <gtest/gtest.h>

#include "host/proc/os_release.h"
#include "host/proc/passwd.h"
#include "test_util.h"

namespace keelson::host {
namespace {

using testing::readData;

TEST(OsReleaseTest, ParsesRealCapture) {
  const auto release = parseOsRelease(readData("node-vm/t0/etc/os-release"));
  EXPECT_EQ(release.get("PRETTY_NAME"), "Debian GNU/Linux 12 (bookworm)");
  EXPECT_EQ(release.get("ID"), "debian");
  EXPECT_EQ(release.get("VERSION_ID"), "12");
  EXPECT_EQ(release.get("VERSION_CODENAME"), "bookworm");
  EXPECT_EQ(release.get("HOME_URL"), "https://www.debian.org/");
  EXPECT_EQ(release.get("MISSING", "fallback"), "fallback");
  EXPECT_EQ(release.fields.size(), 9u);
}

TEST(OsReleaseTest, QuotingCommentsAndInvalidLines) {
  const auto release = parseOsRelease(readData("misc/os-release-quoting"));
  EXPECT_EQ(release.get("NAME"), "Fedora Linux");
  EXPECT_EQ(release.get("VERSION"), "39 (Container Image)");
  EXPECT_EQ(release.get("PRETTY_NAME"), "Fedora \"Thirty-Nine\" $HOME \\ done");
  EXPECT_EQ(release.get("VERSION_ID"), "39");
  EXPECT_EQ(release.get("ID"), "fedora-later");  // The later assignment wins.
  EXPECT_TRUE(release.fields.contains("EMPTY"));
  EXPECT_EQ(release.get("EMPTY", "x"), "");
  EXPECT_FALSE(release.fields.contains("9BAD"));
  EXPECT_EQ(release.fields.size(), 6u);
}

TEST(OsReleaseTest, UnterminatedQuoteKeepsTheRest) {
  EXPECT_EQ(parseOsRelease("A=\"open\nB='x'y\"z\"").get("A"), "open");
  EXPECT_EQ(parseOsRelease("B='x'y\"z\"").get("B"), "xyz");
}

TEST(PasswdTest, ParsesRealCapture) {
  const auto users = parsePasswd(readData("node-vm/t0/etc/passwd"));
  ASSERT_TRUE(users.contains(0));
  EXPECT_EQ(users.at(0), "root");
  EXPECT_EQ(users.at(65534), "nobody");
  EXPECT_FALSE(users.contains(4242));
}

TEST(PasswdTest, SkipsMalformedAndFirstWins) {
  const auto users = parsePasswd(
      "# comment\n"
      "+nis::::::\n"
      "alice:x:1000:1000::/home/alice:/bin/sh\r\n"
      "alias:x:1000:1000::/:/bin/sh\n"
      ":x:1:1::/:/bin/sh\n"
      "bob:x:notanumber:1::/:/bin/sh\n"
      "carol:x\n"
      "dave:x:4294967296:1::/:/bin/sh\n"
      "erin:x:7\n");
  EXPECT_EQ(users.size(), 2u);
  EXPECT_EQ(users.at(1000), "alice");
  EXPECT_EQ(users.at(7), "erin");
}

}  // namespace
}  // namespace keelson::host
