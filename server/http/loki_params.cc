#include "server/http/loki_params.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "common/strings.h"
#include "common/time.h"
#include "query/logql/parser.h"

namespace vigie::server::http {

namespace {

absl::Status BadParam(std::string_view name, std::string_view value, std::string_view why) {
  return absl::InvalidArgumentError(
      StrCat("invalid parameter \"", name, "\" (", value.substr(0, 100), "): ", why));
}

}  // namespace

absl::StatusOr<int64_t> ParseTimeParam(const Request& request, std::string_view name,
                                       int64_t default_ns) {
  std::optional<std::string_view> text = request.Param(name);
  if (!text) return default_ns;
  absl::StatusOr<int64_t> t = ParseTime(*text);
  if (!t.ok()) return BadParam(name, *text, StatusMessage(t.status()));
  if (*t < 0) return BadParam(name, *text, "times before 1970 are not accepted");
  return *t;
}

absl::StatusOr<TimeWindow> ParseTimeWindow(const Request& request, int64_t now_ns,
                                           int64_t default_lookback_ns) {
  TimeWindow window;
  absl::StatusOr<int64_t> end = ParseTimeParam(request, "end", now_ns);
  if (!end.ok()) return end.status();
  window.end_ns = *end;
  int64_t lookback = default_lookback_ns;
  if (std::optional<std::string_view> since = request.Param("since")) {
    absl::StatusOr<int64_t> d = ParseDuration(*since);
    if (!d.ok()) return BadParam("since", *since, StatusMessage(d.status()));
    if (*d <= 0) return BadParam("since", *since, "must be a positive duration");
    lookback = *d;
  }
  int64_t anchor = std::min(window.end_ns, now_ns);
  absl::StatusOr<int64_t> start = ParseTimeParam(request, "start", StartBefore(anchor, lookback));
  if (!start.ok()) return start.status();
  window.start_ns = *start;
  if (window.end_ns < window.start_ns) {
    return absl::InvalidArgumentError(
        "the end of the time range is before its start: swap start and end");
  }
  return window;
}

int64_t StartBefore(int64_t end_ns, int64_t lookback_ns) {
  return end_ns > lookback_ns ? end_ns - lookback_ns : 0;
}

absl::StatusOr<uint32_t> ParseCount(const Request& request, std::string_view name) {
  std::optional<std::string_view> text = request.Param(name);
  if (!text) return 0u;
  uint32_t count = 0;
  if (!ParseNumber(*text, &count) || count == 0) {
    return BadParam(name, *text, "must be a positive integer");
  }
  return count;
}

absl::StatusOr<uint32_t> ParseLimit(const Request& request) { return ParseCount(request, "limit"); }

absl::StatusOr<bool> ParseForward(const Request& request) {
  std::optional<std::string_view> text = request.Param("direction");
  if (!text) return false;
  std::string lower(*text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "forward") return true;
  if (lower == "backward") return false;
  return BadParam("direction", *text, "use forward or backward");
}

absl::StatusOr<logql::LogSelector> ParseLogQuery(std::string_view text, const Limits& limits) {
  absl::StatusOr<logql::Query> query = logql::Parse(text, limits);
  if (!query.ok()) return query.status();
  if (!query->log) {
    return absl::InvalidArgumentError(
        StrCat("expected a log query such as {app=\"api\"} |= \"error\", not a metric query: ",
               text.substr(0, 200)));
  }
  return *std::move(query->log);
}

absl::StatusOr<int64_t> ParseStep(const Request& request) {
  std::optional<std::string_view> text = request.Param("step");
  if (!text) return 0;
  int64_t step_ns;
  double seconds;
  if (ParseNumber(*text, &seconds)) {
    if (!std::isfinite(seconds) || seconds > 9e9) {
      return BadParam("step", *text, "not a usable number of seconds");
    }
    step_ns = static_cast<int64_t>(std::llround(seconds * 1e9));
  } else {
    absl::StatusOr<int64_t> d = ParseDuration(*text);
    if (!d.ok()) return BadParam("step", *text, StatusMessage(d.status()));
    step_ns = *d;
  }
  if (step_ns <= 0) {
    return BadParam("step", *text,
                    "zero or negative query resolution step widths are not accepted; try a "
                    "positive duration such as 15s");
  }
  return step_ns;
}

}  // namespace vigie::server::http
