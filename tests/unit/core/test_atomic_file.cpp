// core::writeFileAtomically: the content lands whole, an existing file is replaced, no temporary
// file is left behind, and a failure names the file and leaves the old content.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "common/temp_dir.h"
#include "core/atomic_file.h"
#include "core/error.h"

namespace keelson::core {
namespace {

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(AtomicFile, WritesAndReplacesLeavingNoTemporaryFile) {
  testing::TempDir dir;
  const auto path = dir / "doc.json";
  writeFileAtomically(path, "{\"a\": 1}\n", "test file");
  EXPECT_EQ(slurp(path), "{\"a\": 1}\n");
  const std::string big(1 << 20, 'x');
  writeFileAtomically(path, big, "test file");
  EXPECT_EQ(slurp(path), big);
  EXPECT_FALSE(std::filesystem::exists(dir / "doc.json.tmp"));
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0600, 0600U);
}

TEST(AtomicFile, FailureNamesTheFileAndKeepsTheOldContent) {
  testing::TempDir dir;
  try {
    writeFileAtomically(dir / "missing" / "doc.json", "x", "history file");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnavailable);
    EXPECT_NE(std::string(e.what()).find("history file " + (dir / "missing").string()),
              std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("No such file or directory"), std::string::npos)
        << e.what();
  }
  // A directory where the file should be: rename fails, the directory is untouched.
  std::filesystem::create_directories(dir / "taken" / "inside");
  EXPECT_THROW(writeFileAtomically(dir / "taken", "x", "history file"), Error);
  EXPECT_TRUE(std::filesystem::is_directory(dir / "taken" / "inside"));
}

}  // namespace
}  // namespace keelson::core
