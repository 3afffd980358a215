#include "server/otlp/codec.h"

#include <google/protobuf/util/json_util.h>

#include "absl/strings/escaping.h"
#include "common/strings.h"
#include "google/rpc/status.pb.h"
#include "nlohmann/json.hpp"

namespace vigie::server::otlp {

namespace {

// OTLP/JSON writes trace and span ids in hex where protobuf's JSON mapping has base64: rewrites
// those of each log record (the only ids vigied reads) to base64, in place.
absl::Status HexIdsToBase64(nlohmann::json& doc) {
  auto array = [](nlohmann::json& parent, std::initializer_list<const char*> names) {
    for (const char* name : names) {
      auto it = parent.find(name);
      if (it != parent.end() && it->is_array()) return &*it;
    }
    return static_cast<nlohmann::json*>(nullptr);
  };
  if (!doc.is_object()) return absl::OkStatus();
  nlohmann::json* resources = array(doc, {"resourceLogs", "resource_logs"});
  if (!resources) return absl::OkStatus();
  for (auto& resource : *resources) {
    if (!resource.is_object()) continue;
    nlohmann::json* scopes = array(resource, {"scopeLogs", "scope_logs"});
    if (!scopes) continue;
    for (auto& scope : *scopes) {
      if (!scope.is_object()) continue;
      nlohmann::json* records = array(scope, {"logRecords", "log_records"});
      if (!records) continue;
      for (auto& record : *records) {
        if (!record.is_object()) continue;
        for (const char* id : {"traceId", "trace_id", "spanId", "span_id"}) {
          auto it = record.find(id);
          if (it == record.end() || !it->is_string()) continue;
          const std::string& hex = it->get_ref<const std::string&>();
          bool valid = hex.size() % 2 == 0;
          for (char c : hex) valid = valid && HexValue(c) >= 0;
          if (!valid) {
            return absl::InvalidArgumentError(
                StrCat("log record ", id, " \"", hex.substr(0, 64),
                       "\" is not hex (OTLP/JSON writes trace and span ids in hex)"));
          }
          *it = absl::Base64Escape(absl::HexStringToBytes(hex));
        }
      }
    }
  }
  return absl::OkStatus();
}

template <typename Message>
absl::StatusOr<Message> Decode(std::string_view body, Encoding encoding, std::string_view name) {
  Message message;
  if (encoding == Encoding::kProtobuf) {
    if (!message.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
      return absl::InvalidArgumentError(
          StrCat("the body is not a protobuf ", name,
                 " (Content-Type: application/x-protobuf; strings must be valid UTF-8)"));
    }
    return message;
  }
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return absl::InvalidArgumentError(StrCat(
        "the body is not valid JSON (Content-Type: application/json: an OTLP/JSON ", name, ")"));
  }
  if (absl::Status st = HexIdsToBase64(doc); !st.ok()) return st;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  auto status = google::protobuf::util::JsonStringToMessage(
      doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), &message, options);
  if (!status.ok()) {
    std::string why(status.message().data(), status.message().size());
    return absl::InvalidArgumentError(StrCat("the body is not an OTLP/JSON ", name, ": ", why));
  }
  return message;
}

}  // namespace

absl::StatusOr<ExportMetricsRequest> DecodeMetricsRequest(std::string_view body,
                                                          Encoding encoding) {
  return Decode<ExportMetricsRequest>(body, encoding, "ExportMetricsServiceRequest");
}

absl::StatusOr<ExportLogsRequest> DecodeLogsRequest(std::string_view body, Encoding encoding) {
  return Decode<ExportLogsRequest>(body, encoding, "ExportLogsServiceRequest");
}

std::string EncodeMessage(const google::protobuf::Message& message, Encoding encoding) {
  if (encoding == Encoding::kProtobuf) return message.SerializeAsString();
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(message, &json).ok()) return "{}";
  return json;
}

std::string EncodeStatus(const absl::Status& status, Encoding encoding) {
  google::rpc::Status body;
  body.set_code(static_cast<int>(status.code()));
  body.set_message(std::string(status.message()));
  return EncodeMessage(body, encoding);
}

}  // namespace vigie::server::otlp
