// core::terminalSafe: control characters, C1 controls, reordering characters and invalid UTF-8
// are shown escaped; everything else, including multi-byte UTF-8, is kept.
#include <gtest/gtest.h>

#include <string>

#include "core/terminal_text.h"

namespace keelson::core {
namespace {

TEST(TerminalSafe, KeepsPrintableAsciiAndValidUtf8) {
  EXPECT_EQ(terminalSafe(""), "");
  EXPECT_EQ(terminalSafe("nginx: worker process /var/lib/a\\b"),
            "nginx: worker process /var/lib/a\\b");
  // é (2 bytes), € (3 bytes), 😀 (4 bytes).
  EXPECT_EQ(terminalSafe("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
            "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
}

TEST(TerminalSafe, EscapesC0ControlsAndDel) {
  EXPECT_EQ(terminalSafe("\x1b]0;pwned\x07red\x1b[31m"), "\\x1b]0;pwned\\x07red\\x1b[31m");
  EXPECT_EQ(terminalSafe("a\nb\rc\td"), "a\\nb\\rc\\td");
  EXPECT_EQ(terminalSafe(std::string("nul\0x", 5)), "nul\\x00x");
  EXPECT_EQ(terminalSafe("del\x7f"), "del\\x7f");
}

TEST(TerminalSafe, EscapesC1ControlsAndReorderingCharacters) {
  EXPECT_EQ(terminalSafe("\xc2\x9b"
                         "31m"),
            "\\u009b31m");                         // 8-bit CSI
  EXPECT_EQ(terminalSafe("\xc2\x85"), "\\u0085");  // NEL
  EXPECT_EQ(terminalSafe("abc\xe2\x80\xae"
                         "fdp.exe"),
            "abc\\u202efdp.exe");  // RLO
  EXPECT_EQ(terminalSafe("\xe2\x81\xa6x\xe2\x80\xa8"), "\\u2066x\\u2028");
  EXPECT_EQ(terminalSafe("\xc2\xa0"), "\xc2\xa0");  // U+00A0 is printable.
}

TEST(TerminalSafe, EscapesInvalidUtf8BytePerByte) {
  EXPECT_EQ(terminalSafe("\x9b"), "\\x9b");                    // Bare C1 byte.
  EXPECT_EQ(terminalSafe("\xc0\x9b"), "\\xc0\\x9b");           // Overlong ESC-ish.
  EXPECT_EQ(terminalSafe("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // Surrogate.
  EXPECT_EQ(terminalSafe("ok\xe2\x82"), "ok\\xe2\\x82");       // Truncated.
  EXPECT_EQ(terminalSafe("\xff\xfe"), "\\xff\\xfe");
}

}  // namespace
}  // namespace keelson::core
