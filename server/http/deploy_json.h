// Deploy events in JSON, as POST /api/v1/deploys takes them and GET /api/v1/deploys answers them
// (docs/http-api.md, "Deploys").
#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "alerts/alert.h"
#include "nlohmann/json.hpp"

namespace vigie::server::http {

// A JSON object with the string fields service, environment, version, commit, author,
// description, url, and the times `time` and `end`: RFC 3339 or Unix seconds, as a string or a
// number. An absent time is 0 (the store makes it now). InvalidArgument naming the field that is
// wrong: not an object, an unknown field (with the ones accepted), a value of the wrong type, a
// time that does not parse. The fields' contents are checked by the deploy store.
absl::StatusOr<alerts::Deploy> DecodeDeployJson(std::string_view body);

// {"id", "service", "environment", "version", "commit", "author", "description", "url",
//  "time": RFC 3339, "end": RFC 3339 (only when set)}; empty fields are kept as "".
nlohmann::json DeployJson(const alerts::Deploy& deploy);

}  // namespace vigie::server::http
