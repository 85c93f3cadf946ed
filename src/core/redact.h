#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace keelson::core {

/// What a redacted value is replaced with. The name around it is kept, so the result still
/// reads well: `--db-password=<redacted>`, `https://bob:<redacted>@db`.
inline constexpr std::string_view kRedacted = "<redacted>";

/// True if `name` (a flag without its dashes, an environment variable, a JSON key, a query
/// parameter or an HTTP header name) looks like it carries a credential. Case-insensitive.
/// Matches names that contain password, passwd, passphrase, secret, token, credential, cookie,
/// apikey or privatekey; names with a word (split at '-', '_', '.') that is pass, pwd, key or
/// starts with auth; and names ending in key (accesskey). Names whose last word is file, path,
/// dir, mode or sock are not credentials: their value is a path or a setting
/// (`--token-file=/run/x`, `--authorization-mode=RBAC`, `SSH_AUTH_SOCK=/tmp/x`). Pure.
bool isCredentialName(std::string_view name);

/// A copy of a command's argv that is safe to show: the value of every credential-looking
/// argument becomes kRedacted, everything else is kept byte for byte. Pure and thread-safe.
///
/// Rules (names as in isCredentialName, case-insensitive):
///  - `--NAME=value`, `-NAME=value` and `--NAME value` (the next argument, unless it starts with
///    "--"): the value. A value of exactly true or false is kept (a boolean switch such as
///    `--anonymous-auth=false` carries no secret).
///  - `-u`, `-U`, `--user`, `--proxy-user` with a `user:password` value (curl, `--user=` too):
///    the part after the first ':'; a value without ':' is a plain user name and kept.
///  - Short password flags, by program (argv[0]'s base name, or a known tool's name later in
///    argv: `env X=1 mysql ...`): mysql and mariadb tools (mysql, mysqldump, mariadb-dump, ...)
///    take the password attached, `-pSECRET`; their bare `-p` prompts and the next argument is
///    the database, but people write `-p SECRET` by mistake, so it is hidden too (safety
///    first). sshpass takes `-pSECRET` or `-p SECRET`; redis-cli `-aSECRET` or `-a SECRET`.
///    For any other program a
///    bare `-p` hides its next argument unless that is all digits (a port or pid) or an
///    absolute path (a pid file or prefix: `dockerd -p /run/docker.pid`); an attached `-pX`
///    is kept (`-pthread`, `-pipe`, `-p8080`), because no other common tool reads a password
///    that way.
///  - An environment assignment, an argument `NAME=value` with NAME of letters, digits and
///    underscores (`AWS_SECRET_ACCESS_KEY=x`, `MYSQL_PWD=a b`): the whole value.
///  - `NAME=value` anywhere in an argument (query strings `?token=x&page=2`, DSNs
///    `host=db password=x`, `--set db.password=x,replicas=3`): the value up to the next
///    & ; , whitespace or quote.
///  - URLs with userinfo, `scheme://user:password@host`: the password.
///  - HTTP headers whose name is a credential (`Authorization: Bearer x`, `X-Auth-Token: x`,
///    `Cookie: a=1; b=2`, `Proxy-Authorization: Basic x`): the value; an authentication scheme
///    word (Bearer, Basic, Digest, Token, Negotiate, ...) before it is kept.
///  - JSON members with a credential name and a string value, `{"password":"x"}`,
///    `"token": "x"`: the string's content.
///  - An argument with whitespace in it that is not itself a flag's value (the script of
///    `sh -c "mysql -psecret db"`, a process title set with setproctitle) is also redacted as a
///    command line (see redactCommandLine).
std::vector<std::string> redactArgv(const std::vector<std::string>& argv);

/// As redactArgv, for a command line whose argument boundaries are lost (a space-joined or
/// truncated /proc/<pid>/cmdline, a process title, a `sh -c` script): the line is split into
/// words at ASCII whitespace, the words are redacted as an argv, and the result keeps the
/// original whitespace. A header value with spaces is followed across words: after
/// `Authorization:` the scheme word is kept and the next word redacted; after `Cookie:` every
/// word up to the first one not ending in ';'. Quotes are not interpreted. Pure and thread-safe.
std::string redactCommandLine(std::string_view command_line);

}  // namespace keelson::core
