#include "alerts/deploys/deploy_validate.h"

#include <string_view>

#include "common/strings.h"
#include "common/time.h"
#include "common/utf8.h"

namespace vigie::alerts::deploys {
namespace {

enum class Allow { kNoSpaces, kSpaces, kMultiline };

// OK when `value` is valid UTF-8 of at most `max_bytes`, without control characters (beyond
// what `allow` lets through).
absl::Status CheckText(std::string_view field, std::string_view value, size_t max_bytes,
                       Allow allow) {
  if (value.size() > max_bytes) {
    return absl::InvalidArgumentError(
        StrCat(field, " is ", value.size(), " bytes long: at most ", max_bytes, " are accepted"));
  }
  if (!IsValidUtf8(value)) {
    return absl::InvalidArgumentError(
        StrCat(field, " \"", EscapeForMessage(value), "\" is not valid UTF-8"));
  }
  for (char c : value) {
    bool layout = (c == '\n' || c == '\t') && allow == Allow::kMultiline;
    bool control = (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) && !layout;
    bool space = c == ' ' && allow == Allow::kNoSpaces;
    if (control || space) {
      return absl::InvalidArgumentError(
          StrCat(field, " \"", EscapeForMessage(value), "\" holds ",
                 space ? "a space: use letters, digits and punctuation, without spaces"
                       : "a control character: use printable characters"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateDeploy(const Deploy& d, const DeployLimits& limits) {
  if (d.service.empty()) {
    return absl::InvalidArgumentError("service is required: name the service that was deployed");
  }
  struct Field {
    std::string_view name;
    const std::string& value;
    size_t max_bytes;
    Allow allow;
  };
  const Field fields[] = {
      {"service", d.service, kMaxNameBytes, Allow::kNoSpaces},
      {"environment", d.environment, kMaxNameBytes, Allow::kNoSpaces},
      {"version", d.version, kMaxNameBytes, Allow::kNoSpaces},
      {"commit", d.commit, kMaxNameBytes, Allow::kNoSpaces},
      {"author", d.author, kMaxAuthorBytes, Allow::kSpaces},
      {"description", d.description, kMaxDescriptionBytes, Allow::kMultiline},
      {"url", d.url, kMaxUrlBytes, Allow::kNoSpaces},
  };
  for (const Field& f : fields) {
    if (absl::Status st = CheckText(f.name, f.value, f.max_bytes, f.allow); !st.ok()) return st;
  }
  if (!d.url.empty() && !d.url.starts_with("http://") && !d.url.starts_with("https://")) {
    return absl::InvalidArgumentError(
        StrCat("url \"", EscapeForMessage(d.url), "\" must start with http:// or https://"));
  }
  if (d.time_ms <= 0) {
    return absl::InvalidArgumentError(
        StrCat("time ", d.time_ms, " is not a valid deploy time: give a time after 1970"));
  }
  auto too_far_ahead = [&](std::string_view field, int64_t ms) {
    return absl::InvalidArgumentError(
        StrCat(field, " ", FormatRfc3339Millis(ms), " is more than ",
               FormatDuration(limits.max_ahead_ms * kNanosPerMilli), " ahead of vigied's clock (",
               FormatRfc3339Millis(limits.now_ms),
               "): check the clock, and that the time is RFC 3339 or Unix seconds"));
  };
  // Compared as differences: a time near INT64_MAX must not overflow the bound.
  if (d.time_ms > limits.now_ms && d.time_ms - limits.now_ms > limits.max_ahead_ms) {
    return too_far_ahead("time", d.time_ms);
  }
  if (limits.retention_ms > 0 && limits.now_ms - d.time_ms > limits.retention_ms) {
    return absl::InvalidArgumentError(StrCat(
        "time ", FormatRfc3339Millis(d.time_ms), " is older than the retention period (",
        FormatDuration(limits.retention_ms * kNanosPerMilli), "): it would be deleted at once"));
  }
  if (d.end_ms) {
    if (*d.end_ms < d.time_ms) {
      return absl::InvalidArgumentError(StrCat("end ", FormatRfc3339Millis(*d.end_ms),
                                               " is before time ", FormatRfc3339Millis(d.time_ms),
                                               ": a rollout ends after it starts"));
    }
    if (*d.end_ms - d.time_ms > kMaxRolloutMs) {
      return absl::InvalidArgumentError(StrCat(
          "end ", FormatRfc3339Millis(*d.end_ms), " is more than ",
          FormatDuration(kMaxRolloutMs * kNanosPerMilli), " after time ",
          FormatRfc3339Millis(d.time_ms), ": record a rollout that long as several deploys"));
    }
    if (*d.end_ms - limits.now_ms > limits.max_ahead_ms) return too_far_ahead("end", *d.end_ms);
  }
  return absl::OkStatus();
}

}  // namespace vigie::alerts::deploys
