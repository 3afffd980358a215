#include "alerts/dispatch/matcher.h"

#include <algorithm>

#include "common/strings.h"
#include "common/utf8.h"

namespace vigie::alerts {
namespace {

bool IsNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

// Undoes OpenMetrics escaping in a value whose surrounding quotes (if any) are still there, as
// Alertmanager's ParseMatcher does: a stray backslash is literal, an unescaped quote inside is
// an error.
absl::StatusOr<std::string> UnquoteValue(std::string_view raw, std::string_view whole) {
  bool quoted = raw.starts_with('"');
  if (quoted) raw.remove_prefix(1);
  std::string value;
  bool escaped = false;
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (escaped) {
      escaped = false;
      if (c == 'n') {
        value += '\n';
      } else if (c == '"' || c == '\\') {
        value += c;
      } else {
        value += '\\';
        value += c;
      }
      continue;
    }
    if (c == '\\') {
      if (i + 1 < raw.size()) {
        escaped = true;
      } else {
        value += '\\';
      }
    } else if (c == '"') {
      if (!quoted || i + 1 < raw.size()) {
        return absl::InvalidArgumentError(
            StrCat("matcher value contains unescaped double quote: ", whole));
      }
      quoted = false;
    } else {
      value += c;
    }
  }
  if (quoted) {
    return absl::InvalidArgumentError(
        StrCat("matcher value contains unescaped double quote: ", whole));
  }
  return value;
}

}  // namespace

absl::StatusOr<Matcher> Matcher::Make(MatchType type, std::string name, std::string value) {
  auto matcher = logql::LabelMatcher::Make(std::move(name), type, std::move(value), Limits());
  if (!matcher.ok()) return matcher.status();
  return Matcher(*std::move(matcher));
}

absl::StatusOr<Matcher> Matcher::Parse(std::string_view text) {
  std::string_view s = TrimAsciiSpace(text);
  size_t i = 0;
  if (s.empty() || !IsNameStart(s[0])) {
    return absl::InvalidArgumentError(StrCat("bad matcher format: ", text));
  }
  while (i < s.size() && IsNameChar(s[i])) ++i;
  std::string name(s.substr(0, i));
  std::string_view rest = TrimAsciiSpace(s.substr(i));
  MatchType type;
  if (rest.starts_with("=~")) {
    type = MatchType::kRegex;
  } else if (rest.starts_with("!=")) {
    type = MatchType::kNotEqual;
  } else if (rest.starts_with("!~")) {
    type = MatchType::kNotRegex;
  } else if (rest.starts_with("=")) {
    type = MatchType::kEqual;
  } else {
    return absl::InvalidArgumentError(StrCat("bad matcher format: ", text));
  }
  rest = TrimAsciiSpace(rest.substr(MatchTypeSymbol(type).size()));
  if (!IsValidUtf8(rest)) {
    return absl::InvalidArgumentError(StrCat("matcher value not valid UTF-8: ", rest));
  }
  auto value = UnquoteValue(rest, rest);
  if (!value.ok()) return value.status();
  return Make(type, std::move(name), *std::move(value));
}

std::string Matcher::ToString() const {
  std::string out = StrCat(name(), MatchTypeSymbol(type()), "\"");
  for (char c : value()) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

bool Matcher::operator<(const Matcher& other) const {
  if (name() != other.name()) return name() < other.name();
  if (value() != other.value()) return value() < other.value();
  return type() < other.type();
}

absl::StatusOr<Matchers> ParseMatchers(std::string_view text) {
  if (text.starts_with('{')) text.remove_prefix(1);
  if (text.ends_with('}')) text.remove_suffix(1);
  std::vector<std::string> tokens;
  std::string token;
  bool inside_quotes = false, escaped = false;
  for (char c : text) {
    if (c == ',' && !inside_quotes) {
      tokens.push_back(std::move(token));
      token.clear();
      continue;
    }
    if (c == '"') {
      if (!escaped) {
        inside_quotes = !inside_quotes;
      } else {
        escaped = false;
      }
    } else if (c == '\\') {
      escaped = !escaped;
    } else {
      escaped = false;
    }
    token += c;
  }
  if (!TrimAsciiSpace(token).empty()) tokens.push_back(std::string(TrimAsciiSpace(token)));
  Matchers out;
  for (const std::string& t : tokens) {
    auto m = Matcher::Parse(t);
    if (!m.ok()) return m.status();
    out.push_back(*std::move(m));
  }
  return out;
}

bool MatchesAll(const Matchers& matchers, const LabelSet& labels) {
  return std::all_of(matchers.begin(), matchers.end(),
                     [&](const Matcher& m) { return m.Matches(labels.Get(m.name())); });
}

std::string MatchersToString(const Matchers& matchers) {
  std::string out = "{";
  for (size_t i = 0; i < matchers.size(); ++i) {
    if (i > 0) out += ',';
    out += matchers[i].ToString();
  }
  out += '}';
  return out;
}

}  // namespace vigie::alerts
