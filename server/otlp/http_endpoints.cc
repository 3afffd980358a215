#include "server/otlp/http_endpoints.h"

#include "common/strings.h"
#include "server/http/loki_push.h"
#include "server/http/response.h"
#include "server/otlp/codec.h"
#include "server/request_budget.h"

namespace vigie::server::otlp {

namespace {

constexpr char kProtobufType[] = "application/x-protobuf";
constexpr char kJsonType[] = "application/json";

http::Response Answer(unsigned status, const google::protobuf::Message& body, Encoding encoding) {
  return {status, encoding == Encoding::kJson ? kJsonType : kProtobufType,
          EncodeMessage(body, encoding)};
}

http::Response Error(const absl::Status& status, Encoding encoding) {
  unsigned code = absl::IsInvalidArgument(status) || absl::IsOutOfRange(status)
                      ? 400
                      : http::HttpStatusFor(status);
  http::Response response{code, encoding == Encoding::kJson ? kJsonType : kProtobufType,
                          EncodeStatus(status, encoding)};
  // OTLP clients retry 429, 502, 503 and 504, after Retry-After when given.
  if (code == 429 || code == 503) {
    response.headers.emplace_back("Retry-After", std::to_string(RequestBudget::kRetryAfterSeconds));
  }
  return response;
}

// Decodes the body as `Message`, exports it with `export_fn` and answers with `Response`,
// its partial success set by `set_partial`.
template <typename Response, typename DecodeFn, typename ExportFn, typename SetPartial>
http::Response Handle(const http::Request& request, const Authorizer* auth, DecodeFn decode,
                      ExportFn export_fn, SetPartial set_partial) {
  Encoding encoding;
  if (StartsWithIgnoreCase(request.content_type, kProtobufType)) {
    encoding = Encoding::kProtobuf;
  } else if (StartsWithIgnoreCase(request.content_type, kJsonType)) {
    encoding = Encoding::kJson;
  } else {
    return http::JsonError(
        415, StrCat("unsupported Content-Type \"", request.content_type.substr(0, 64),
                    "\": OTLP/HTTP takes application/x-protobuf or application/json"));
  }
  auto decoded = decode(request.body, encoding);
  if (!decoded.ok()) return Error(decoded.status(), encoding);
  // The sender's budgets, as for Loki's push: its token, tenant or address.
  HttpDeps identity;
  identity.auth = auth;
  ReceivedBatch sender;
  http::IdentifySender(request, identity, &sender);
  absl::StatusOr<ExportOutcome> outcome =
      export_fn(*decoded, ExportSource{"otlp_http", sender.sender, sender.sender_name});
  if (!outcome.ok()) return Error(outcome.status(), encoding);
  Response response;
  if (outcome->rejected > 0 || !outcome->error_message.empty()) {
    set_partial(&response, outcome->rejected, outcome->error_message);
  }
  return Answer(200, response, encoding);
}

}  // namespace

std::vector<HttpEndpoint> HttpEndpoints(Receiver* receiver, const Authorizer* auth,
                                        const Limits& limits) {
  namespace cm = opentelemetry::proto::collector::metrics::v1;
  namespace cl = opentelemetry::proto::collector::logs::v1;
  auto metrics = [receiver, auth](const http::Request& request) {
    return Handle<cm::ExportMetricsServiceResponse>(
        request, auth, DecodeMetricsRequest,
        [receiver](const auto& r, const ExportSource& s) { return receiver->ExportMetrics(r, s); },
        [](cm::ExportMetricsServiceResponse* out, int64_t rejected, const std::string& message) {
          out->mutable_partial_success()->set_rejected_data_points(rejected);
          out->mutable_partial_success()->set_error_message(message);
        });
  };
  auto logs = [receiver, auth](const http::Request& request) {
    return Handle<cl::ExportLogsServiceResponse>(
        request, auth, DecodeLogsRequest,
        [receiver](const auto& r, const ExportSource& s) { return receiver->ExportLogs(r, s); },
        [](cl::ExportLogsServiceResponse* out, int64_t rejected, const std::string& message) {
          out->mutable_partial_success()->set_rejected_log_records(rejected);
          out->mutable_partial_success()->set_error_message(message);
        });
  };
  const uint64_t max_body = http::MaxPushBodyBytes(limits);
  return {{kMetricsPath, false, {"POST"}, Scope::kIngest, metrics, max_body},
          {kLogsPath, false, {"POST"}, Scope::kIngest, logs, max_body}};
}

}  // namespace vigie::server::otlp
