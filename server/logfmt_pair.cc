#include "server/logfmt_pair.h"

#include "nlohmann/json.hpp"

namespace vigie::server {
namespace {

bool BreaksAPair(char c) {
  return c == ' ' || c == '=' || c == '"' || static_cast<unsigned char>(c) < 0x20;
}

bool NeedsQuotes(std::string_view value) {
  if (value.empty()) return true;
  for (char c : value) {
    if (BreaksAPair(c) || c == '\\') return true;
  }
  return false;
}

}  // namespace

void AppendLogfmtPair(std::string* line, std::string_view key, std::string_view value) {
  if (!line->empty()) line->push_back(' ');
  if (key.empty()) key = "_";
  for (char c : key) line->push_back(BreaksAPair(c) ? '_' : c);
  line->push_back('=');
  if (NeedsQuotes(value)) {
    line->append(nlohmann::json(std::string(value))
                     .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  } else {
    line->append(value);
  }
}

}  // namespace vigie::server
