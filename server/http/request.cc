#include "server/http/request.h"

#include "common/strings.h"

namespace vigie::server::http {

namespace {

std::string Decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      int hi = HexValue(text[i + 1]);
      int lo = HexValue(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

}  // namespace

std::optional<std::string_view> Request::Param(std::string_view name) const {
  for (const auto& [key, value] : params) {
    if (key == name && !value.empty()) return value;
  }
  return std::nullopt;
}

std::vector<std::string_view> Request::Params(std::string_view name) const {
  std::vector<std::string_view> values;
  for (const auto& [key, value] : params) {
    if (key == name && !value.empty()) values.push_back(value);
  }
  return values;
}

void ParseQueryString(std::string_view text,
                      std::vector<std::pair<std::string, std::string>>* params) {
  while (!text.empty()) {
    size_t amp = text.find('&');
    std::string_view pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
    params->emplace_back(Decode(key, true), Decode(value, true));
  }
}

std::string PercentDecode(std::string_view text) { return Decode(text, false); }

}  // namespace vigie::server::http
