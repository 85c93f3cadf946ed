#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace keelson::core {

/// The length (1 to 4) of the valid UTF-8 sequence that starts at text[i], or 0 if the bytes
/// there are not valid UTF-8 (a stray continuation byte, an overlong form, a surrogate, a code
/// point above U+10FFFF, a sequence cut short by the end of `text`). Requires i < text.size().
/// Pure and thread-safe.
std::size_t utf8SequenceLength(std::string_view text, std::size_t i) noexcept;

/// `text` made safe to print on a terminal or in a log line, for values that come from the host
/// or the cluster (process names, command lines, mount points, object names). Valid UTF-8 is
/// kept as is, except:
///  - C0 controls and DEL: "\n", "\r", "\t" for those three, else "\xNN" (ESC is "\x1b");
///  - C1 controls (U+0080..U+009F, e.g. the 8-bit CSI) and the characters that reorder or
///    break text (bidi embeddings, overrides and isolates U+202A..U+202E, U+2066..U+2069; line
///    and paragraph separators U+2028, U+2029): "\uNNNN" ("\u009b");
///  - bytes that are not valid UTF-8 (stray continuation bytes, overlong forms, surrogates,
///    truncated sequences): "\xNN" per byte.
/// A backslash is kept, so the result is for reading, not for unescaping. Pure, thread-safe.
std::string terminalSafe(std::string_view text);

}  // namespace keelson::core
