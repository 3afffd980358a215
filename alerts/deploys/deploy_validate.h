// What a deploy event may hold. Its fields become alert labels and annotations, notification text
// and Loki stream labels, so they are checked where they come in (HTTP, gRPC, CLI all end here).
#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "alerts/alert.h"

namespace vigie::alerts::deploys {

// Bounds on a deploy's fields (bytes of UTF-8).
inline constexpr size_t kMaxNameBytes = 128;  // service, environment, version, commit.
inline constexpr size_t kMaxAuthorBytes = 256;
inline constexpr size_t kMaxDescriptionBytes = 4096;
inline constexpr size_t kMaxUrlBytes = 2048;
// A rollout (time to end) may last at most this long: a range query then reads a bounded key
// range before its start to find the rollouts still running at its start.
inline constexpr int64_t kMaxRolloutMs = 7LL * 86400 * 1000;

struct DeployLimits {
  int64_t now_ms = 0;
  // How far ahead of now a deploy's time (or end) may be: more is a clock or unit mistake
  // (milliseconds sent as seconds).
  int64_t max_ahead_ms = 3600 * 1000;
  // Deploys older than this are refused (retention would delete them at once); 0: no bound.
  int64_t retention_ms = 0;
};

// InvalidArgument naming the first field that is wrong and what it accepts. Ignores `id`.
//  - service: required; service, environment, version, commit: up to kMaxNameBytes of printable
//    characters without spaces (UTF-8);
//  - author: up to kMaxAuthorBytes, printable (spaces allowed); description: up to
//    kMaxDescriptionBytes, printable, newlines and tabs allowed; url: empty or http(s)://...
//  - time: positive, at most max_ahead_ms ahead of now_ms, not older than retention_ms;
//    end: not before time, at most kMaxRolloutMs after it.
absl::Status ValidateDeploy(const Deploy& deploy, const DeployLimits& limits);

}  // namespace vigie::alerts::deploys
