#include "cli/promql_commands.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>

#include "cli/output.h"
#include "cli/promql_output.h"
#include "cli/time_flags.h"
#include "common/strings.h"
#include "common/time.h"
#include "vigie/v1/query.grpc.pb.h"

namespace vigie::cli {

namespace {

// Steps of a range query when --step is not given, as Prometheus's graph page picks them.
constexpr int64_t kDefaultPoints = 250;

// A context with the token, the deadline of --timeout (ns, 0: none) and Ctrl-C cancelling it.
int Flushed() {
  std::fflush(stdout);
  return std::ferror(stdout) ? kExitError : kExitOk;
}

}  // namespace

int RunPromQuery(const ClientOptions& client, const PromQueryOptions& options) {
  promql::ExprPtr expr;
  if (!CheckPromqlSyntax(options.query, &expr)) return kExitUsage;
  bool range = !options.since.empty();
  if (!range && (!options.until.empty() || !options.step.empty())) {
    std::cerr << "vigie: --until and --step are for a range query: give --since too (e.g. "
                 "--since 1h)\n";
    return kExitUsage;
  }
  if (range && !options.time.empty()) {
    std::cerr << "vigie: --time is for an instant query; a range query takes --since and "
                 "--until\n";
    return kExitUsage;
  }
  int64_t now = NowNanos(), timeout = 0;
  if (options.timeout != "0" && !ParseDurationFlag("--timeout", options.timeout, &timeout)) {
    return kExitUsage;
  }
  v1::PromQueryRequest request;
  request.set_query(options.query);
  request.set_timeout_ms(timeout / kNanosPerMilli);
  ChartOptions chart;
  if (range) {
    int64_t since = 0, end = 0, step = 0;
    if (!ParseDurationFlag("--since", options.since, &since) ||
        !ParseTimeFlag("--until", options.until, now, &end) ||
        (!options.step.empty() && !ParseDurationFlag("--step", options.step, &step))) {
      return kExitUsage;
    }
    int64_t step_ms =
        step > 0 ? step / kNanosPerMilli
                 : std::max<int64_t>(since / kNanosPerMilli / kDefaultPoints / 1000, 1) * 1000;
    if (step_ms <= 0) {
      std::cerr << "vigie: --step " << options.step << " is below a millisecond\n";
      return kExitUsage;
    }
    request.set_end_ms(end / kNanosPerMilli);
    request.set_start_ms(request.end_ms() - since / kNanosPerMilli);
    request.set_step_ms(step_ms);
    chart.start_ms = request.start_ms();
    chart.end_ms = request.end_ms();
    chart.step_ms = step_ms;
  } else {
    int64_t at = 0;
    if (!ParseTimeFlag("--time", options.time, now, &at)) return kExitUsage;
    request.set_time_ms(at / kNanosPerMilli);
  }
  PromOutput format = PromOutput::kAuto;
  ParsePromOutput(options.output, &format);
  if (format == PromOutput::kAuto) {
    format = range && isatty(STDOUT_FILENO) ? PromOutput::kChart : PromOutput::kTable;
  }

  auto stub = v1::Query::NewStub(Connect(client));
  v1::PromQueryResponse response;
  if (int code = CallUnary(client, timeout,
                           [&](grpc::ClientContext* context) {
                             return stub->PromQuery(context, request, &response);
                           });
      code != kExitOk) {
    return code;
  }

  if (format == PromOutput::kChart && response.result_type() != "matrix") {
    format = PromOutput::kTable;  // An instant vector or a scalar has nothing to draw.
  }
  chart.width = TerminalWidth();
  chart.unit = UnitOfQuery(*expr);
  chart.color = UseColor(options.color);
  PrintPromResult(response, format, chart, stdout);
  if (response.series_size() == 0 && response.result_type() != "string") {
    std::cerr << "vigie: the query returned no series"
              << (range ? " in the range"
                        : " at that time (samples older than the lookback "
                          "delta, 5m by default, are not seen)")
              << "\n";
  }
  return Flushed();
}

int RunSeries(const ClientOptions& client, const SeriesOptions& options) {
  v1::SeriesRequest request;
  for (const std::string& selector : options.selectors) {
    promql::ExprPtr expr;
    if (!CheckPromqlSyntax(selector, &expr)) return kExitUsage;
    request.add_match(selector);
  }
  int64_t since = 0, timeout = 0;
  if ((!options.since.empty() && !ParseDurationFlag("--since", options.since, &since)) ||
      (options.timeout != "0" && !ParseDurationFlag("--timeout", options.timeout, &timeout))) {
    return kExitUsage;
  }
  if (since > 0) request.set_start_ms((NowNanos() - since) / kNanosPerMilli);
  auto stub = v1::Query::NewStub(Connect(client));
  v1::SeriesResponse response;
  if (int code = CallUnary(
          client, timeout,
          [&](grpc::ClientContext* context) { return stub->Series(context, request, &response); });
      code != kExitOk) {
    return code;
  }
  for (const v1::MetricSeries& s : response.series()) {
    if (options.output == "json") {
      std::cout << LabelsJsonObject(s.labels()) << "\n";
    } else {
      std::cout << SeriesName(s.labels()) << "\n";
    }
  }
  if (response.series().empty()) {
    std::cerr << "vigie: no series matched"
              << (options.since.empty() ? "" : " in the last " + options.since) << "\n";
  }
  std::cout.flush();
  return std::cout ? Flushed() : kExitError;
}

}  // namespace vigie::cli
