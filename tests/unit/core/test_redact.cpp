// core::redactArgv / redactCommandLine: each rule on the command lines it is meant for, and the
// ordinary command lines of a Kubernetes node that must come through unchanged.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/redact.h"

namespace keelson::core {
namespace {

using ::testing::ElementsAre;
using Argv = std::vector<std::string>;

TEST(RedactArgv, HidesValuesOfCredentialFlags) {
  EXPECT_THAT(
      redactArgv({"tool", "--password", "s3cret", "--token", "abc.def", "--verbose"}),
      ElementsAre("tool", "--password", "<redacted>", "--token", "<redacted>", "--verbose"));
  EXPECT_THAT(redactArgv({"tool", "--password=s3cret", "--Client-Secret=xyz", "--db-passwd", "p"}),
              ElementsAre("tool", "--password=<redacted>", "--Client-Secret=<redacted>",
                          "--db-passwd", "<redacted>"));
  EXPECT_THAT(redactArgv({"app", "--db-password=hunter2", "--pass", "p1", "--passwd=p2"}),
              ElementsAre("app", "--db-password=<redacted>", "--pass", "<redacted>",
                          "--passwd=<redacted>"));
  EXPECT_THAT(redactArgv({"x", "--key", "k0", "--api-key", "k1", "--apikey=k2", "--secret", "k3"}),
              ElementsAre("x", "--key", "<redacted>", "--api-key", "<redacted>",
                          "--apikey=<redacted>", "--secret", "<redacted>"));
  EXPECT_THAT(
      redactArgv({"x", "--private-key=-----BEGIN", "--client-secret", "cs", "--auth", "a1",
                  "--auth-token=a2", "--authorization=a3"}),
      ElementsAre("x", "--private-key=<redacted>", "--client-secret", "<redacted>", "--auth",
                  "<redacted>", "--auth-token=<redacted>", "--authorization=<redacted>"));
  // Go's flag package takes one dash; names are case-insensitive.
  EXPECT_THAT(redactArgv({"agent", "-token=t", "-PASSWORD", "P", "-Dsecret.key=s"}),
              ElementsAre("agent", "-token=<redacted>", "-PASSWORD", "<redacted>",
                          "-Dsecret.key=<redacted>"));
  // Nothing after the flag, or a next flag: nothing to hide, and the next flag is read as one.
  EXPECT_THAT(redactArgv({"x", "--password"}), ElementsAre("x", "--password"));
  EXPECT_THAT(redactArgv({"x", "--token", "--password=p"}),
              ElementsAre("x", "--token", "--password=<redacted>"));
}

TEST(RedactArgv, KeepsSwitchesPathsAndSettings) {
  const Argv apiserver = {"kube-apiserver",
                          "--anonymous-auth=false",
                          "--authorization-mode=Node,RBAC",
                          "--token-auth-file=/etc/kubernetes/tokens.csv",
                          "--tls-private-key-file=/etc/kubernetes/pki/apiserver.key",
                          "--service-account-key-file=/etc/kubernetes/pki/sa.pub",
                          "--author=me",
                          "--secure-port=6443"};
  EXPECT_EQ(redactArgv(apiserver), apiserver);
  EXPECT_THAT(redactArgv({"ssh-agent", "SSH_AUTH_SOCK=/tmp/agent.1", "AUTH_TOKEN=t"}),
              ElementsAre("ssh-agent", "SSH_AUTH_SOCK=/tmp/agent.1", "AUTH_TOKEN=<redacted>"));
}

TEST(RedactArgv, MysqlStylePasswordsOnlyForMysqlTools) {
  EXPECT_THAT(redactArgv({"mysql", "-uroot", "-phunter2", "db"}),
              ElementsAre("mysql", "-uroot", "-p<redacted>", "db"));
  EXPECT_THAT(redactArgv({"/usr/bin/mysqldump", "-u", "root", "-pS3cr3t", "--all-databases"}),
              ElementsAre("/usr/bin/mysqldump", "-u", "root", "-p<redacted>", "--all-databases"));
  EXPECT_THAT(redactArgv({"mariadb-dump", "-pX"}), ElementsAre("mariadb-dump", "-p<redacted>"));
  // A bare -p prompts; what follows is the database, or a mistyped password: hidden.
  EXPECT_THAT(redactArgv({"mysql", "-u", "root", "-p", "hunter2"}),
              ElementsAre("mysql", "-u", "root", "-p", "<redacted>"));
  EXPECT_THAT(redactArgv({"env", "LANG=C", "mysql", "-psecret"}),
              ElementsAre("env", "LANG=C", "mysql", "-p<redacted>"));
  EXPECT_THAT(redactArgv({"sshpass", "-p", "pw", "ssh", "host"}),
              ElementsAre("sshpass", "-p", "<redacted>", "ssh", "host"));
  EXPECT_THAT(redactArgv({"sshpass", "-ppw", "ssh"}),
              ElementsAre("sshpass", "-p<redacted>", "ssh"));
  EXPECT_THAT(redactArgv({"redis-cli", "-a", "pw", "-p", "6379"}),
              ElementsAre("redis-cli", "-a", "<redacted>", "-p", "6379"));
  // Other tools: ports, pids and paths after -p stay; attached forms are not passwords.
  const Argv ordinary = {"ssh", "-p", "2222", "host"};
  EXPECT_EQ(redactArgv(ordinary), ordinary);
  const Argv dockerd = {"dockerd", "-p", "/run/docker.pid", "-H", "unix:///run/docker.sock"};
  EXPECT_EQ(redactArgv(dockerd), dockerd);
  const Argv gcc = {"cc1plus", "-pthread", "-pipe", "-p8080", "-O2"};
  EXPECT_EQ(redactArgv(gcc), gcc);
  // Unsure: a word after -p that is neither a number nor a path is hidden.
  EXPECT_THAT(redactArgv({"sometool", "-p", "Sup3rS3cret"}),
              ElementsAre("sometool", "-p", "<redacted>"));
}

TEST(RedactArgv, UserPasswordPairsKeepTheUser) {
  EXPECT_THAT(redactArgv({"curl", "-u", "bob:pw", "--user", "al:x", "--user=cy:z", "-Ude:q"}),
              ElementsAre("curl", "-u", "bob:<redacted>", "--user", "al:<redacted>",
                          "--user=cy:<redacted>", "-Ude:<redacted>"));
  EXPECT_THAT(redactArgv({"curl", "--proxy-user", "p:w", "-u", "justuser"}),
              ElementsAre("curl", "--proxy-user", "p:<redacted>", "-u", "justuser"));
}

TEST(RedactArgv, HidesUrlPasswordsHeadersAndAssignments) {
  EXPECT_THAT(redactArgv({"git", "clone", "https://bob:pa55@git.example.com/r.git"}),
              ElementsAre("git", "clone", "https://bob:<redacted>@git.example.com/r.git"));
  EXPECT_THAT(
      redactArgv({"psql", "postgres://app:p@ss@db:5432/x", "redis://:pw@cache"}),
      ElementsAre("psql", "postgres://app:<redacted>@db:5432/x", "redis://:<redacted>@cache"));
  EXPECT_THAT(redactArgv({"curl", "https://api/x?user=bob&token=abc123&page=2"}),
              ElementsAre("curl", "https://api/x?user=bob&token=<redacted>&page=2"));
  EXPECT_THAT(redactArgv({"curl", "-H", "Authorization: Bearer eyJabc", "-H", "Accept: json", "-H",
                          "X-Auth-Token: abc", "-H", "cookie: a=1; b=2", "--header=X-Api-Key:k"}),
              ElementsAre("curl", "-H", "Authorization: Bearer <redacted>", "-H", "Accept: json",
                          "-H", "X-Auth-Token: <redacted>", "-H", "cookie: <redacted> <redacted>",
                          "--header=X-Api-Key:<redacted>"));
  EXPECT_THAT(redactArgv({"curl", "--header=proxy-authorization: Basic Zm9v"}),
              ElementsAre("curl", "--header=proxy-authorization: Basic <redacted>"));
  EXPECT_THAT(redactArgv({"env", "PASSWORD=x", "AWS_SECRET_ACCESS_KEY=abc/def==",
                          "GITHUB_TOKEN=ghp_1", "MYSQL_PWD=two words", "HOME=/root"}),
              ElementsAre("env", "PASSWORD=<redacted>", "AWS_SECRET_ACCESS_KEY=<redacted>",
                          "GITHUB_TOKEN=<redacted>", "MYSQL_PWD=<redacted>", "HOME=/root"));
  EXPECT_THAT(redactArgv({"helm", "--set", "db.password=x,replicas=3", "--set=auth.token=y"}),
              ElementsAre("helm", "--set", "db.password=<redacted>,replicas=3",
                          "--set=auth.token=<redacted>"));
}

TEST(RedactArgv, HidesJsonStringValues) {
  EXPECT_THAT(redactArgv({"curl", "-d", R"({"user":"bob","password":"x"})"}),
              ElementsAre("curl", "-d", R"({"user":"bob","password":"<redacted>"})"));
  EXPECT_THAT(redactArgv({"x", R"({"token": "a b\"c", "n": 1, "apiKey":"k"})"}),
              ElementsAre("x", R"({"token": "<redacted>", "n": 1, "apiKey":"<redacted>"})"));
  // Cut short in the middle of the value (a truncated cmdline): the rest is hidden.
  EXPECT_THAT(redactArgv({"x", R"({"secret":"abcd)"}),
              ElementsAre("x", R"({"secret":"<redacted>)"));
}

TEST(RedactArgv, RedactsScriptsInsideAnArgument) {
  EXPECT_THAT(
      redactArgv(
          {"sh", "-c", "mysql -uroot -psecret db && curl -u a:b https://x -H 'Cookie: k=v'"}),
      ElementsAre("sh", "-c",
                  "mysql -uroot -p<redacted> db && curl -u a:<redacted> https://x -H 'Cookie: "
                  "<redacted>"));
}

TEST(RedactArgv, LeavesOrdinaryCommandLinesAlone) {
  const std::vector<Argv> cases = {
      {"gluster", "volume", "heal", "gv0", "info", "--xml", "https://example.com/a?b=c", "-n", "5"},
      {"/usr/bin/kubelet", "--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf",
       "--kubeconfig=/etc/kubernetes/kubelet.conf", "--config=/var/lib/kubelet/config.yaml",
       "--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock",
       "--pod-infra-container-image=registry.k8s.io/pause:3.9"},
      {"etcd", "--client-cert-auth=true", "--data-dir=/var/lib/etcd",
       "--listen-client-urls=https://127.0.0.1:2379"},
      {"postgres: app db 10.0.0.1(5432) idle"},
      {"nginx: worker process"},
      {"python3", "-m", "http.server", "8080"},
      {},
  };
  for (const auto& argv : cases) EXPECT_EQ(redactArgv(argv), argv);
}

TEST(RedactCommandLine, SplitsAtWhitespaceAndKeepsIt) {
  EXPECT_EQ(redactCommandLine("app  --password s3cret\t--token=t -v"),
            "app  --password <redacted>\t--token=<redacted> -v");
  EXPECT_EQ(redactCommandLine("curl -H Authorization: Bearer abc https://u:p@h/x"),
            "curl -H Authorization: Bearer <redacted> https://u:<redacted>@h/x");
  EXPECT_EQ(redactCommandLine(R"(tool --data {"password": "two words"} --x)"),
            R"(tool --data {"password": "<redacted>"} --x)");
  EXPECT_EQ(redactCommandLine("postgres: checkpointer"), "postgres: checkpointer");
  EXPECT_EQ(redactCommandLine(""), "");
}

TEST(IsCredentialName, MatchesCredentialNamesOnly) {
  for (const char* name : {"password",     "DB_PASSWORD",   "passwd",
                           "pass",         "pwd",           "secret",
                           "token",        "api-key",       "apiKey",
                           "x-api-key",    "private-key",   "client_secret",
                           "auth",         "authorization", "Proxy-Authorization",
                           "X-Auth-Token", "Cookie",        "AWS_SECRET_ACCESS_KEY",
                           "accesskey",    "--key",         "credentials"}) {
    EXPECT_TRUE(isCredentialName(name)) << name;
  }
  for (const char* name :
       {"", "user", "host", "port", "passive", "bypass", "author", "keep-alive", "key-file",
        "token-path", "authorization-mode", "SSH_AUTH_SOCK", "kubeconfig", "compass"}) {
    EXPECT_FALSE(isCredentialName(name)) << name;
  }
}

}  // namespace
}  // namespace keelson::core
