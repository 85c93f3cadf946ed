#!/bin/sh
# A test exec credential plugin. Counts its runs in $KEELSON_PLUGIN_STATE/count and prints an
# ExecCredential with token "token-<run>". Records what it was given (args, one environment
# variable, KUBERNETES_EXEC_INFO) next to the counter. Optional files in the state directory:
# expiry (an expirationTimestamp to print), fail (exit 3 with this text on stderr),
# api_version (the apiVersion to print).
set -eu
state="${KEELSON_PLUGIN_STATE:?KEELSON_PLUGIN_STATE must name a directory}"
n=$(cat "$state/count" 2>/dev/null || echo 0)
n=$((n + 1))
echo "$n" > "$state/count"
printf '%s\n' "$@" > "$state/args"
printf '%s' "${PLUGIN_GREETING:-}" > "$state/greeting"
printf '%s' "${KUBERNETES_EXEC_INFO:-}" > "$state/exec_info"
if [ -f "$state/fail" ]; then
  echo "plugin failure: $(cat "$state/fail")" >&2
  exit 3
fi
api_version=client.authentication.k8s.io/v1
[ -f "$state/api_version" ] && api_version=$(cat "$state/api_version")
expiry=""
[ -f "$state/expiry" ] && expiry=",\"expirationTimestamp\":\"$(cat "$state/expiry")\""
printf '{"apiVersion":"%s","kind":"ExecCredential","status":{"token":"token-%s"%s}}\n' \
  "$api_version" "$n" "$expiry"
