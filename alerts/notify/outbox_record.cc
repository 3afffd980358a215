#include "alerts/notify/outbox_record.h"

#include "common/strings.h"
#include "common/varint.h"
#include "nlohmann/json.hpp"

namespace vigie::alerts::notify {

std::string OutboxKey(char prefix, uint64_t seq) {
  std::string key(1, prefix);
  PutBigEndian64(&key, seq);
  return key;
}

std::optional<uint64_t> OutboxKeySeq(std::string_view key) {
  if (key.size() != 9) return std::nullopt;
  return GetBigEndian64(key.data() + 1);
}

std::string EncodeOutboxEntry(const OutboxEntry& e) {
  nlohmann::json headers = nlohmann::json::array();
  for (const auto& [name, value] : e.request.headers) headers.push_back({name, value});
  nlohmann::json value = {
      {"receiver", e.receiver},
      {"integration", e.integration},
      {"group_key", e.group_key},
      {"created_ms", e.created_ms},
      {"attempts", e.attempts},
      {"last_error", e.last_error},
      {"status_code", e.status_code},
      {"method", e.request.method},
      {"url", e.request.url},
      {"headers", std::move(headers)},
      {"body", e.request.body},
      {"ca_file", e.request.transport.ca_file},
      {"insecure_skip_verify", e.request.transport.insecure_skip_verify},
      {"proxy_url", e.request.transport.proxy_url},
      {"follow_redirects", e.request.transport.follow_redirects},
  };
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

absl::StatusOr<OutboxEntry> DecodeOutboxEntry(uint64_t seq, std::string_view text) {
  try {
    nlohmann::json value = nlohmann::json::parse(text);
    OutboxEntry e;
    e.seq = seq;
    e.receiver = value.at("receiver").get<std::string>();
    e.integration = value.at("integration").get<std::string>();
    e.group_key = value.at("group_key").get<std::string>();
    e.created_ms = value.at("created_ms").get<int64_t>();
    e.attempts = value.at("attempts").get<int64_t>();
    e.last_error = value.at("last_error").get<std::string>();
    e.status_code = value.at("status_code").get<int>();
    e.request.method = value.at("method").get<std::string>();
    e.request.url = value.at("url").get<std::string>();
    for (const auto& header : value.at("headers")) {
      e.request.headers.emplace_back(header.at(0).get<std::string>(),
                                     header.at(1).get<std::string>());
    }
    e.request.body = value.at("body").get<std::string>();
    e.request.transport.ca_file = value.at("ca_file").get<std::string>();
    e.request.transport.insecure_skip_verify = value.at("insecure_skip_verify").get<bool>();
    e.request.transport.proxy_url = value.at("proxy_url").get<std::string>();
    e.request.transport.follow_redirects = value.at("follow_redirects").get<bool>();
    return e;
  } catch (const nlohmann::json::exception& err) {
    return absl::DataLossError(StrCat("outbox record ", seq, ": ", err.what()));
  }
}

}  // namespace vigie::alerts::notify
