// The table renderer: column widths from the widest cell, two spaces between columns, no
// trailing spaces, the indent on every line.
#include <gtest/gtest.h>

#include "docs/table.h"

namespace keelson::docs {
namespace {

TEST(Table, AlignsColumnsByTheWidestCell) {
  Table table({"NAME", "STATUS", "AGE"});
  table.add({"web-1", "Running", "5m"});
  table.add({"a", "", "10d"});
  table.add({"short"});
  EXPECT_EQ(table.render(),
            "NAME   STATUS   AGE\n"
            "web-1  Running  5m\n"
            "a               10d\n"
            "short\n");
  EXPECT_EQ(Table({"ONLY"}).render("  "), "  ONLY\n");
}

}  // namespace
}  // namespace keelson::docs
