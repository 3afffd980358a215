// Fuzzes a deploy's way in: the JSON decoder of POST /api/v1/deploys (server/http/deploy_json),
// then the store's validation (alerts/deploys). Asserts that a decoded deploy that validation
// accepts survives the record encoding and the JSON answer unchanged, and that the decoder never
// accepts what is not a JSON object.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "alerts/deploys/deploy_codec.h"
#include "alerts/deploys/deploy_validate.h"
#include "server/http/deploy_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<vigie::alerts::Deploy> deploy = vigie::server::http::DecodeDeployJson(body);
  if (!deploy.ok()) {
    if (deploy.status().code() != absl::StatusCode::kInvalidArgument) abort();
    return 0;
  }
  if (body.find('{') == std::string_view::npos) abort();  // Accepted a non-object.
  deploy->id = "01M96JECKF5T5GP9VC07626E7W";
  vigie::alerts::deploys::DeployLimits limits{.now_ms = 1'765'000'000'000};
  if (!vigie::alerts::deploys::ValidateDeploy(*deploy, limits).ok()) return 0;
  auto back = vigie::alerts::deploys::DecodeDeploy(vigie::alerts::deploys::EncodeDeploy(*deploy));
  if (!back.ok() || back->service != deploy->service || back->description != deploy->description ||
      back->time_ms != deploy->time_ms || back->end_ms != deploy->end_ms) {
    abort();
  }
  // The answer is JSON whatever the fields hold (validation leaves only valid UTF-8).
  vigie::server::http::DeployJson(*back).dump();
  return 0;
}
