#include "query/gotemplate/go_strings.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <vector>

#include "absl/strings/ascii.h"
#include "common/strings.h"
#include "query/gotemplate/template.h"
#include "re2/re2.h"

namespace vigie::gotemplate {
namespace {

bool Consume(std::string_view* s, std::string_view prefix) {
  if (s->substr(0, prefix.size()) != prefix) return false;
  s->remove_prefix(prefix.size());
  return true;
}

// Go's regexp Expand: $1, ${1}, $name, ${name}, $$.
void Expand(std::string_view repl, const re2::RE2& re, const std::vector<re2::StringPiece>& groups,
            std::string* out) {
  while (!repl.empty()) {
    size_t dollar = repl.find('$');
    out->append(repl.substr(0, dollar));
    if (dollar == std::string_view::npos) return;
    repl.remove_prefix(dollar + 1);
    if (Consume(&repl, "$")) {
      out->push_back('$');
      continue;
    }
    std::string_view name;
    if (!repl.empty() && repl[0] == '{') {
      size_t close = repl.find('}');
      if (close == std::string_view::npos || close == 1) {
        out->push_back('$');
        continue;
      }
      name = repl.substr(1, close - 1);
      if (!std::all_of(name.begin(), name.end(),
                       [](char c) { return absl::ascii_isalnum(c) || c == '_'; })) {
        out->push_back('$');
        continue;
      }
      repl.remove_prefix(close + 1);
    } else {
      size_t n = 0;
      while (n < repl.size() && (absl::ascii_isalnum(repl[n]) || repl[n] == '_')) ++n;
      if (n == 0) {
        out->push_back('$');
        continue;
      }
      name = repl.substr(0, n);
      repl.remove_prefix(n);
    }
    int index = -1;
    if (!ParseNumber(name, &index) || !std::all_of(name.begin(), name.end(), absl::ascii_isdigit)) {
      auto it = re.NamedCapturingGroups().find(std::string(name));
      index = it == re.NamedCapturingGroups().end() ? -1 : it->second;
    }
    if (index >= 0 && static_cast<size_t>(index) < groups.size() &&
        groups[index].data() != nullptr) {
      out->append(groups[index].data(), groups[index].size());
    }
  }
}

}  // namespace

absl::StatusOr<std::string> RegexpReplaceAll(const std::string& pattern, const std::string& src,
                                             std::string_view repl, bool literal) {
  re2::RE2 re(pattern, re2::RE2::Quiet);
  if (!re.ok()) return absl::InvalidArgumentError(StrCat("error parsing regexp: ", re.error()));
  std::vector<re2::StringPiece> groups(re.NumberOfCapturingGroups() + 1);
  std::string out;
  size_t last_end = 0, search = 0;
  while (search <= src.size() && re.Match(src, search, src.size(), re2::RE2::UNANCHORED,
                                          groups.data(), static_cast<int>(groups.size()))) {
    size_t begin = groups[0].data() - src.data(), end = begin + groups[0].size();
    out.append(src, last_end, begin - last_end);
    if (end > last_end || begin == 0) {
      if (literal) {
        out += repl;
      } else {
        Expand(repl, re, groups, &out);
      }
    }
    last_end = end;
    size_t width = 1;
    if (search < src.size()) {
      unsigned char c = src[search];
      width = c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    }
    search = search + width > end ? search + width : end;
    if (out.size() > kMaxOutput) return absl::InvalidArgumentError("result too large");
  }
  out.append(src, std::min(last_end, src.size()));
  return out;
}

std::string GoTitle(std::string s) {
  bool start = true;
  for (char& c : s) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (start && absl::ascii_islower(c)) c = absl::ascii_toupper(c);
    start = u < 0x80 && !absl::ascii_isalnum(c) && c != '_';
  }
  return s;
}

std::string QueryEscape(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      StrAppend(&out, "%", fmt::format("{:02X}", c));
    }
  }
  return out;
}

absl::StatusOr<double> ParseGoFloat(std::string_view s) {
  auto fail = [&](std::string_view why) {
    return absl::InvalidArgumentError(StrCat("strconv.ParseFloat: parsing \"", s, "\": ", why));
  };
  std::string_view body = s;
  const bool negative = Consume(&body, "-");
  if (!negative) Consume(&body, "+");
  std::string lower = absl::AsciiStrToLower(absl::string_view(body.data(), body.size()));
  if (lower == "inf" || lower == "infinity") return negative ? -HUGE_VAL : HUGE_VAL;
  if (lower == "nan") return std::nan("");
  if (body.empty() || !(absl::ascii_isdigit(body[0]) || body[0] == '.')) {
    return fail("invalid syntax");
  }
  double v = 0;
  auto [ptr, ec] = std::from_chars(body.data(), body.data() + body.size(), v);
  if (ptr != body.data() + body.size()) return fail("invalid syntax");
  if (ec == std::errc::result_out_of_range) return fail("value out of range");
  if (ec != std::errc()) return fail("invalid syntax");
  return negative ? -v : v;
}

}  // namespace vigie::gotemplate
