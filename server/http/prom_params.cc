#include "server/http/prom_params.h"

#include <cmath>
#include <string>

#include "common/strings.h"
#include "common/time.h"
#include "server/http/status_message.h"

namespace vigie::server::http {

namespace {

absl::Status InvalidParam(std::string_view name, std::string_view why) {
  return absl::InvalidArgumentError(StrCat("invalid parameter \"", name, "\": ", why));
}

std::string Quoted(std::string_view text) { return StrCat("\"", text.substr(0, 100), "\""); }

// Go's strconv.ParseFloat also takes a leading '+', which from_chars does not.
bool ParseFloat(std::string_view text, double* out) {
  if (text.starts_with('+')) text.remove_prefix(1);
  return ParseNumber(text, out);
}

// Floor division: the millisecond at or before a nanosecond time, as Go's Time.UnixMilli.
int64_t FloorMillis(int64_t ns) {
  int64_t ms = ns / kNanosPerMilli;
  return ns % kNanosPerMilli < 0 ? ms - 1 : ms;
}

}  // namespace

absl::StatusOr<int64_t> ParsePromTime(std::string_view text) {
  double seconds;
  if (ParseFloat(text, &seconds)) {
    if (!std::isfinite(seconds) ||
        std::fabs(seconds) * 1000 >= static_cast<double>(kPromMaxTimeMs)) {
      return absl::InvalidArgumentError(
          StrCat("cannot parse ", Quoted(text), " to a valid timestamp: it is out of range"));
    }
    double whole;
    double fraction = std::modf(seconds, &whole);
    return static_cast<int64_t>(whole) * 1000 + static_cast<int64_t>(std::round(fraction * 1000));
  }
  absl::StatusOr<int64_t> ns = ParseTime(text);
  if (!ns.ok()) {
    return absl::InvalidArgumentError(StrCat(
        "cannot parse ", Quoted(text), " to a valid timestamp (use RFC 3339 or Unix seconds)"));
  }
  return FloorMillis(*ns);
}

absl::StatusOr<int64_t> ParsePromDuration(std::string_view text) {
  double seconds;
  if (ParseFloat(text, &seconds)) {
    if (!std::isfinite(seconds) ||
        std::fabs(seconds) * 1000 >= static_cast<double>(kPromMaxTimeMs)) {
      return absl::InvalidArgumentError(
          StrCat("cannot parse ", Quoted(text), " to a valid duration. It overflows int64"));
    }
    return static_cast<int64_t>(seconds * 1000);
  }
  absl::StatusOr<int64_t> ns = ParseDuration(text);
  if (!ns.ok()) {
    return absl::InvalidArgumentError(
        StrCat("cannot parse ", Quoted(text), " to a valid duration (such as 15s, 1m or 0.5)"));
  }
  return *ns / kNanosPerMilli;
}

absl::StatusOr<int64_t> PromTimeParam(const Request& request, std::string_view name,
                                      int64_t default_ms) {
  std::optional<std::string_view> text = request.Param(name);
  if (!text) return default_ms;
  absl::StatusOr<int64_t> ms = ParsePromTime(*text);
  if (!ms.ok()) return InvalidParam(name, StatusMessage(ms.status()));
  return *ms;
}

absl::StatusOr<promql::StepRange> ParsePromRange(const Request& request, uint64_t max_points) {
  promql::StepRange range;
  for (auto [name, out] : {std::pair{"start", &range.start_ms}, std::pair{"end", &range.end_ms}}) {
    absl::StatusOr<int64_t> ms = ParsePromTime(request.Param(name).value_or(""));
    if (!ms.ok()) return InvalidParam(name, StatusMessage(ms.status()));
    *out = *ms;
  }
  if (range.end_ms < range.start_ms) {
    return absl::InvalidArgumentError("end timestamp must not be before start time");
  }
  std::string_view step_text = request.Param("step").value_or("");
  absl::StatusOr<int64_t> step = ParsePromDuration(step_text);
  if (!step.ok()) return InvalidParam("step", StatusMessage(step.status()));
  if (*step <= 0) {
    return absl::InvalidArgumentError(
        "zero or negative query resolution step widths are not accepted. Try a positive integer");
  }
  range.step_ms = *step;
  if (static_cast<uint64_t>((range.end_ms - range.start_ms) / range.step_ms) > max_points) {
    return absl::InvalidArgumentError(
        StrCat("exceeded maximum resolution of ", GroupThousands(max_points),
               " points per timeseries. Try decreasing the query resolution (?step=XX)"));
  }
  return range;
}

absl::StatusOr<int64_t> PromTimeoutParam(const Request& request, int64_t default_ms) {
  std::optional<std::string_view> text = request.Param("timeout");
  if (!text) return default_ms;
  absl::StatusOr<int64_t> ms = ParsePromDuration(*text);
  if (!ms.ok()) return InvalidParam("timeout", StatusMessage(ms.status()));
  if (*ms <= 0) return default_ms;
  return default_ms > 0 ? std::min(*ms, default_ms) : *ms;
}

absl::StatusOr<PromQueries::MatchSets> ParseMatchSets(const Request& request, const Limits& limits,
                                                      bool required) {
  std::vector<std::string_view> texts = request.Params("match[]");
  if (texts.empty() && required) return absl::InvalidArgumentError("no match[] parameter provided");
  absl::StatusOr<PromQueries::MatchSets> sets = ParseSeriesSelectors(texts, limits);
  if (!sets.ok()) return InvalidParam("match[]", StatusMessage(sets.status()));
  return sets;
}

std::string GroupThousands(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

}  // namespace vigie::server::http
