#include "server/http/deploy_json.h"

#include <algorithm>

#include "common/strings.h"
#include "common/time.h"
#include "server/http/prom_params.h"

namespace vigie::server::http {
namespace {

constexpr std::string_view kFields =
    "service, environment, version, commit, author, description, url, time, end";

absl::Status FieldError(std::string_view field, std::string_view why) {
  return absl::InvalidArgumentError(StrCat("deploy field \"", field, "\": ", why));
}

absl::StatusOr<int64_t> DecodeTime(std::string_view field, const nlohmann::json& value) {
  std::string text;
  if (value.is_string()) {
    text = value.get<std::string>();
  } else if (value.is_number()) {
    text = value.dump();
  } else {
    return FieldError(field, "expected RFC 3339 or Unix seconds, as a string or a number");
  }
  absl::StatusOr<int64_t> ms = ParsePromTime(text);
  if (!ms.ok()) return FieldError(field, std::string(ms.status().message()));
  return ms;
}

}  // namespace

absl::StatusOr<alerts::Deploy> DecodeDeployJson(std::string_view body) {
  nlohmann::json json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) {
    return absl::InvalidArgumentError(
        StrCat(json.is_discarded() ? "the body is not valid JSON" : "the body is not a JSON object",
               ": send {\"service\": \"...\", ...} with the fields ", kFields));
  }
  alerts::Deploy deploy;
  const std::pair<std::string_view, std::string*> string_fields[] = {
      {"service", &deploy.service}, {"environment", &deploy.environment},
      {"version", &deploy.version}, {"commit", &deploy.commit},
      {"author", &deploy.author},   {"description", &deploy.description},
      {"url", &deploy.url}};
  for (const auto& item : json.items()) {
    const std::string& key = item.key();
    const nlohmann::json& value = item.value();
    if (key == "time" || key == "end") {
      absl::StatusOr<int64_t> ms = DecodeTime(key, value);
      if (!ms.ok()) return ms.status();
      if (key == "time") {
        deploy.time_ms = *ms;
      } else {
        deploy.end_ms = *ms;
      }
      continue;
    }
    auto field = std::find_if(std::begin(string_fields), std::end(string_fields),
                              [&](const auto& f) { return f.first == key; });
    if (field == std::end(string_fields)) {
      return FieldError(key, StrCat("unknown field; the fields are ", kFields));
    }
    if (!value.is_string()) return FieldError(key, "expected a string");
    *field->second = value.get<std::string>();
  }
  return deploy;
}

nlohmann::json DeployJson(const alerts::Deploy& deploy) {
  nlohmann::json json = nlohmann::json::object();
  for (const auto& [name, value] : alerts::DeployTextFields(deploy)) json[name] = *value;
  json["time"] = FormatRfc3339Millis(deploy.time_ms);
  if (deploy.end_ms) json["end"] = FormatRfc3339Millis(*deploy.end_ms);
  return json;
}

}  // namespace vigie::server::http
