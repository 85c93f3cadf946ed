#pragma once
// Go time.Duration text ("30s", "1m30.5s", "500ms"), as Kubernetes and the spec's environment
// variables write durations, plus days and weeks ("7d", "2w"): the one duration parser, used by
// every flag and variable, and its formatter.

#include <chrono>
#include <string>
#include <string_view>

namespace keelson::core {

/// Parses a Go time.Duration string ([-+]?(<decimal><unit>)+ or "0"; units ns, us, µs, μs, ms,
/// s, m, h, and also d (24 h) and w (7 d)), e.g. metrics.k8s.io's `window` ("20.035s") or
/// READ_TIMEOUT ("10s"), to nanoseconds. Throws Error(kBadInput) naming the text when it is
/// malformed or out of range.
std::chrono::nanoseconds parseDuration(std::string_view text);

/// Formats `duration` as Go's time.Duration.String() does ("0s", "500ms", "1.5s", "2m30s",
/// "1h0m0s", "-5s"), as kubectl prints durations in its messages; parseDuration reads it
/// back. Pure; thread-safe.
std::string formatDuration(std::chrono::nanoseconds duration);

}  // namespace keelson::core
