#include "core/redact.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <optional>

namespace keelson::core {
namespace {

char lowerChar(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string toLower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), lowerChar);
  return out;
}

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

bool isAsciiDigit(char c) { return c >= '0' && c <= '9'; }

bool isAlnum(char c) { return isAsciiDigit(c) || (lowerChar(c) >= 'a' && lowerChar(c) <= 'z'); }

// Characters of a flag, variable, parameter or header name.
bool isNameChar(char c) { return isAlnum(c) || c == '_' || c == '-' || c == '.'; }

// Characters of an environment variable name.
bool isEnvNameChar(char c) { return isAlnum(c) || c == '_'; }

bool hasSpace(std::string_view s) { return std::any_of(s.begin(), s.end(), isSpace); }

bool allDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), isAsciiDigit);
}

// Where a `NAME=value` value ends inside a larger argument (query strings, DSNs, lists).
bool isValueEnd(char c) {
  return isSpace(c) || c == '&' || c == ';' || c == ',' || c == '"' || c == '\'';
}

// A switch's value: `--anonymous-auth=false` says nothing secret.
bool isBoolean(std::string_view value) {
  const std::string lower = toLower(value);
  return lower == "true" || lower == "false";
}

// The first word of an Authorization header value, kept so the result still says what it was.
bool isAuthScheme(std::string_view word) {
  constexpr std::array<std::string_view, 10> kSchemes = {
      "basic", "bearer", "digest",           "token", "negotiate", "ntlm",
      "hoba",  "mutual", "aws4-hmac-sha256", "apikey"};
  const std::string lower = toLower(word);
  return std::find(kSchemes.begin(), kSchemes.end(), lower) != kSchemes.end();
}

// "user:password" -> "user:<redacted>"; a value without ':' is a user name and kept.
std::string redactUserPassword(std::string_view value) {
  const std::size_t colon = value.find(':');
  if (colon == std::string_view::npos || colon + 1 == value.size()) return std::string(value);
  return std::string(value.substr(0, colon + 1)) + std::string(kRedacted);
}

// Replaces the content of JSON string members with a credential name: {"password":"x"}.
std::string redactJsonMembers(std::string_view text) {
  std::string out;
  std::size_t i = 0;
  // The end of the string literal opening at `open` (its closing quote), or npos.
  auto stringEnd = [&](std::size_t open) {
    for (std::size_t k = open + 1; k < text.size(); ++k) {
      if (text[k] == '\\') {
        ++k;
      } else if (text[k] == '"') {
        return k;
      }
    }
    return std::string_view::npos;
  };
  while (i < text.size()) {
    const std::size_t open = text.find('"', i);
    if (open == std::string_view::npos) break;
    const std::size_t close = stringEnd(open);
    if (close == std::string_view::npos) break;
    std::size_t k = close + 1;
    while (k < text.size() && isSpace(text[k])) ++k;
    if (k >= text.size() || text[k] != ':') {
      out.append(text.substr(i, close + 1 - i));
      i = close + 1;
      continue;
    }
    ++k;
    while (k < text.size() && isSpace(text[k])) ++k;
    if (k >= text.size() || text[k] != '"') {
      out.append(text.substr(i, k - i));
      i = k;
      continue;
    }
    const std::string_view name = text.substr(open + 1, close - open - 1);
    std::size_t value_end = stringEnd(k);
    // A command line cut in the middle of the value: hide what is there.
    if (value_end == std::string_view::npos) value_end = text.size();
    out.append(text.substr(i, k + 1 - i));
    if (isCredentialName(name) && value_end > k + 1) {
      out.append(kRedacted);
    } else {
      out.append(text.substr(k + 1, value_end - k - 1));
    }
    if (value_end < text.size()) out.push_back('"');
    i = std::min(value_end + 1, text.size());
  }
  if (i < text.size()) out.append(text.substr(i));
  return out;
}

// scheme://user:password@host -> scheme://user:<redacted>@host, for every URL in `text`.
std::string redactUrlPasswords(std::string text) {
  std::size_t from = 0;
  while (true) {
    const std::size_t scheme_end = text.find("://", from);
    if (scheme_end == std::string::npos) break;
    const std::size_t authority = scheme_end + 3;
    std::size_t end = authority;
    while (end < text.size() && !isSpace(text[end]) && text[end] != '/' && text[end] != '?' &&
           text[end] != '#' && text[end] != '"' && text[end] != '\'') {
      ++end;
    }
    from = end;
    const std::string_view auth = std::string_view(text).substr(authority, end - authority);
    const std::size_t at = auth.rfind('@');
    if (at == std::string_view::npos) continue;
    const std::size_t colon = auth.find(':');
    if (colon == std::string_view::npos || colon > at || colon + 1 == at) continue;
    text.replace(authority + colon + 1, at - colon - 1, kRedacted);
    from = authority + colon + 1 + kRedacted.size() + 1;
  }
  return text;
}

// NAME=value anywhere in `text`, for credential names: the value up to the next delimiter.
std::string redactAssignments(std::string text) {
  std::size_t from = 0;
  while (true) {
    const std::size_t eq = text.find('=', from);
    if (eq == std::string::npos) break;
    std::size_t start = eq;
    while (start > 0 && isNameChar(text[start - 1])) --start;
    std::size_t end = eq + 1;
    while (end < text.size() && !isValueEnd(text[end])) ++end;
    std::string_view name = std::string_view(text).substr(start, eq - start);
    while (!name.empty() && name.front() == '-') name.remove_prefix(1);
    const std::string_view value = std::string_view(text).substr(eq + 1, end - eq - 1);
    if (!value.empty() && !isBoolean(value) && isCredentialName(name)) {
      text.replace(eq + 1, end - eq - 1, kRedacted);
      from = eq + 1 + kRedacted.size();
    } else {
      // The value may hold an assignment of its own: `--set=db.password=x`.
      from = eq + 1;
    }
  }
  return text;
}

// The programs whose short flags carry a password.
enum class Program { kOther, kMysql, kSshpass, kRedisCli };

Program programOf(std::string_view word) {
  const std::size_t slash = word.rfind('/');
  if (slash != std::string_view::npos) word.remove_prefix(slash + 1);
  const std::string base = toLower(word);
  if (base.starts_with("mysql") || base.starts_with("mariadb")) return Program::kMysql;
  if (base == "sshpass") return Program::kSshpass;
  if (base.starts_with("redis-cli")) return Program::kRedisCli;
  return Program::kOther;
}

// Walks the words of one argv (or of one command line split at whitespace), remembering what a
// flag or header name said about the word after it.
class Redactor {
 public:
  explicit Redactor(bool line_mode) : line_mode_(line_mode) {}

  std::string word(const std::string& word) {
    // The program whose flags these are: argv[0], or a known one run by it (`env mysql ...`).
    if (const Program program = programOf(word);
        first_ || (program != Program::kOther && !word.starts_with('-'))) {
      program_ = program;
    }
    first_ = false;
    if (pending_ != Pending::kNone) {
      if (auto redacted = pendingWord(word)) return *redacted;
    }
    if (word.size() > 1 && word.front() == '-' && word != "--") {
      if (auto redacted = flag(word)) return *redacted;
    }
    // An environment assignment, `MYSQL_PWD=a b,c`: the whole value, spaces included.
    if (const std::size_t eq = word.find('='); eq != std::string::npos && eq > 0) {
      const std::string_view name = std::string_view(word).substr(0, eq);
      const std::string_view value = std::string_view(word).substr(eq + 1);
      if (std::all_of(name.begin(), name.end(), isEnvNameChar) && isCredentialName(name) &&
          !value.empty() && !isBoolean(value)) {
        return word.substr(0, eq + 1) + std::string(kRedacted);
      }
    }
    if (!line_mode_ && hasSpace(word)) return redactCommandLine(word);
    std::string out = line_mode_ ? word : redactJsonMembers(word);
    out = header(out);
    out = redactUrlPasswords(std::move(out));
    return redactAssignments(std::move(out));
  }

 private:
  enum class Pending {
    kNone,
    kValue,         // The next word is a credential.
    kUserPassword,  // The next word is user:password.
    kPortOrSecret,  // After a bare -p of an unknown program: kept if a port, pid or path.
    kHeader,        // After `Authorization:`: a scheme word, or the value.
    kHeaderValue,   // After `Authorization: Bearer`.
    kCookie,        // After `Cookie:`: words up to one not ending in ';'.
  };

  // The word after a flag or header name, or nullopt when it is to be read as a word of its own.
  std::optional<std::string> pendingWord(const std::string& word) {
    const Pending pending = pending_;
    pending_ = Pending::kNone;
    switch (pending) {
      case Pending::kNone:
        break;
      case Pending::kValue:
        if (word.starts_with("--")) return std::nullopt;
        return std::string(kRedacted);
      case Pending::kUserPassword:
        if (word.starts_with("--")) return std::nullopt;
        return redactUserPassword(word);
      case Pending::kPortOrSecret:
        if (word.starts_with('-') || allDigits(word) || word.starts_with('/')) return std::nullopt;
        return std::string(kRedacted);
      case Pending::kHeader:
        if (isAuthScheme(word)) {
          pending_ = Pending::kHeaderValue;
          return word;
        }
        return std::string(kRedacted);
      case Pending::kHeaderValue:
        return std::string(kRedacted);
      case Pending::kCookie:
        if (word.ends_with(';')) pending_ = Pending::kCookie;
        return std::string(kRedacted);
    }
    return std::nullopt;
  }

  // A word starting with '-': its redacted form, or nullopt when it is not a credential flag.
  std::optional<std::string> flag(const std::string& word) {
    const std::size_t dashes = word.starts_with("--") ? 2 : 1;
    const std::string_view body = std::string_view(word).substr(dashes);
    const std::size_t eq = body.find('=');
    const std::string_view name = body.substr(0, eq);
    if (dashes == 1 && !body.empty()) {
      const char letter = body.front();
      const bool attached = body.size() > 1;
      if (letter == 'p' && program_ == Program::kMysql && attached)
        return "-p" + std::string(kRedacted);
      if ((letter == 'p' && program_ == Program::kMysql) ||
          (letter == 'p' && program_ == Program::kSshpass) ||
          (letter == 'a' && program_ == Program::kRedisCli)) {
        if (attached) return std::string("-") + letter + std::string(kRedacted);
        pending_ = Pending::kValue;
        return word;
      }
      if (body == "p") {
        pending_ = Pending::kPortOrSecret;
        return word;
      }
      if (letter == 'u' || letter == 'U') {
        if (!attached) {
          pending_ = Pending::kUserPassword;
          return word;
        }
        if (eq == std::string_view::npos) return "-" + redactUserPassword(body);
      }
    }
    const std::string lower_name = toLower(name);
    if (lower_name == "user" || lower_name == "proxy-user") {
      if (eq == std::string_view::npos) {
        pending_ = Pending::kUserPassword;
        return word;
      }
      return word.substr(0, dashes + eq + 1) + redactUserPassword(body.substr(eq + 1));
    }
    if (name.size() < 2 || !isCredentialName(name)) return std::nullopt;
    if (eq == std::string_view::npos) {
      pending_ = Pending::kValue;
      return word;
    }
    const std::string_view value = body.substr(eq + 1);
    if (value.empty() || isBoolean(value)) return word;
    return word.substr(0, dashes + eq + 1) + std::string(kRedacted);
  }

  // `Name: value` / `Name:value` for credential header names; a bare `Name:` makes the next
  // word(s) the value.
  std::string header(const std::string& word) {
    const std::size_t colon = word.find(':');
    if (colon == std::string::npos || colon == 0) return word;
    // `--header=Authorization:` and `"Authorization:`: the name starts after '=' or a quote.
    std::size_t start = colon;
    while (start > 0 && isNameChar(word[start - 1])) --start;
    if (start > 0 && word[start - 1] != '=' && word[start - 1] != '"' && word[start - 1] != '\'') {
      return word;
    }
    const std::string_view name = std::string_view(word).substr(start, colon - start);
    if (!isCredentialName(name)) return word;
    std::string_view value = std::string_view(word).substr(colon + 1);
    if (value.starts_with("//")) return word;  // A URL, not a header.
    if (value.empty()) {
      pending_ =
          toLower(name).find("cookie") != std::string::npos ? Pending::kCookie : Pending::kHeader;
      return word;
    }
    return word.substr(0, colon + 1) + std::string(kRedacted);
  }

  bool line_mode_;
  bool first_ = true;
  Program program_ = Program::kOther;
  Pending pending_ = Pending::kNone;
};

}  // namespace

bool isCredentialName(std::string_view name) {
  while (!name.empty() && name.front() == '-') name.remove_prefix(1);
  if (name.empty()) return false;
  const std::string lower = toLower(name);
  constexpr std::array<std::string_view, 5> kNotCredential = {"file", "path", "dir", "mode",
                                                              "sock"};
  for (const std::string_view suffix : kNotCredential) {
    if (lower.ends_with(suffix)) return false;
  }
  constexpr std::array<std::string_view, 9> kContained = {"password", "passwd", "passphrase",
                                                          "secret",   "token",  "credential",
                                                          "cookie",   "apikey", "privatekey"};
  for (const std::string_view part : kContained) {
    if (lower.find(part) != std::string::npos) return true;
  }
  if (lower.ends_with("key")) return true;
  std::size_t start = 0;
  while (start <= lower.size()) {
    std::size_t end = lower.find_first_of("-_.", start);
    if (end == std::string::npos) end = lower.size();
    const std::string_view word = std::string_view(lower).substr(start, end - start);
    if (word == "pass" || word == "pwd" || word == "key") return true;
    // auth, authorization, x-auth-token; not git's --author.
    if (word.starts_with("auth") && !word.starts_with("author")) return true;
    if (word.starts_with("authoriz")) return true;
    start = end + 1;
  }
  return false;
}

std::vector<std::string> redactArgv(const std::vector<std::string>& argv) {
  std::vector<std::string> out;
  out.reserve(argv.size());
  Redactor redactor(/*line_mode=*/false);
  for (const auto& arg : argv) out.push_back(redactor.word(arg));
  return out;
}

std::string redactCommandLine(std::string_view command_line) {
  const std::string text = redactJsonMembers(command_line);
  std::string out;
  out.reserve(text.size());
  Redactor redactor(/*line_mode=*/true);
  std::size_t i = 0;
  while (i < text.size()) {
    if (isSpace(text[i])) {
      out.push_back(text[i++]);
      continue;
    }
    std::size_t end = i;
    while (end < text.size() && !isSpace(text[end])) ++end;
    out += redactor.word(text.substr(i, end - i));
    i = end;
  }
  return out;
}

}  // namespace keelson::core
