#include "query/logql/pattern.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"
#include "query/logql/literal_search.h"

namespace vigie::logql {
namespace {

// The length of the capture `<name>` at the start of `s`, or 0 when there is none.
size_t CaptureLength(std::string_view s) {
  if (s.size() < 3 || s[0] != '<' || !(absl::ascii_isalpha(s[1]) || s[1] == '_')) return 0;
  for (size_t i = 2; i < s.size(); ++i) {
    if (s[i] == '>') return i + 1;
    if (!absl::ascii_isalnum(s[i]) && s[i] != '_') return 0;
  }
  return 0;
}

}  // namespace

absl::StatusOr<Pattern> Pattern::Parse(std::string_view text) {
  Pattern p;
  bool previous_capture = false;
  for (size_t i = 0; i < text.size();) {
    size_t len = CaptureLength(text.substr(i));
    if (len == 0) {
      if (p.parts_.empty() || p.parts_.back().capture) p.parts_.push_back({false, ""});
      p.parts_.back().text += text[i++];
      previous_capture = false;
      continue;
    }
    std::string name(text.substr(i + 1, len - 2));
    if (previous_capture) {
      return absl::InvalidArgumentError(
          StrCat("pattern: capture <", name, "> at byte ", i, " follows <", p.parts_.back().text,
                 "> directly: two captures need literal text between them"));
    }
    p.parts_.push_back({true, name});
    previous_capture = true;
    i += len;
  }
  return p;
}

absl::StatusOr<Pattern> Pattern::ForExtraction(std::string_view text) {
  absl::StatusOr<Pattern> p = Parse(text);
  if (!p.ok()) return p.status();
  std::set<std::string> seen;
  for (const Part& part : p->parts_) {
    if (!part.capture || part.text == "_") continue;
    if (!seen.insert(part.text).second) {
      return absl::InvalidArgumentError(
          StrCat("pattern: duplicate capture name <", part.text, ">"));
    }
    p->names_.push_back(part.text);
  }
  if (p->names_.empty()) {
    return absl::InvalidArgumentError(
        "pattern: at least one named capture such as <status> is required");
  }
  return p;
}

absl::StatusOr<Pattern> Pattern::ForLineFilter(std::string_view text) {
  absl::StatusOr<Pattern> p = Parse(text);
  if (!p.ok()) return p.status();
  for (const Part& part : p->parts_) {
    if (part.capture && part.text != "_") {
      return absl::InvalidArgumentError(
          StrCat("pattern filter: named capture <", part.text,
                 "> is not allowed in a line filter: use <_>, or | pattern to extract labels"));
    }
  }
  return p;
}

bool Pattern::Extract(std::string_view line, std::vector<std::string_view>* values,
                      size_t limit) const {
  values->clear();
  if (line.empty() || parts_.empty()) return false;
  size_t i = 0;
  if (!parts_[0].capture) {
    if (!line.starts_with(parts_[0].text)) return false;
    line.remove_prefix(parts_[0].text.size());
    i = 1;
  }
  for (; i < parts_.size() && values->size() < limit; i += 2) {
    const Part& capture = parts_[i];
    bool named = capture.text != "_";
    if (i + 1 == parts_.size()) {  // Ending on a capture: it takes the rest.
      if (named) values->push_back(line);
      break;
    }
    const std::string& literal = parts_[i + 1].text;
    size_t at = FindLiteral(line, 0, literal);
    if (at == std::string_view::npos) {
      if (named) values->push_back(line);
      break;
    }
    if (named) values->push_back(line.substr(0, at));
    line.remove_prefix(at + literal.size());
  }
  return true;
}

std::optional<std::string_view> Pattern::LiteralBefore(std::string_view name) const {
  for (size_t i = 0; i < parts_.size(); ++i) {
    if (parts_[i].capture && parts_[i].text == name && name != "_") {
      return i == 0 ? std::string_view() : std::string_view(parts_[i - 1].text);
    }
  }
  return std::nullopt;
}

bool Pattern::Test(std::string_view line) const {
  if (line.empty() || parts_.empty()) return line.empty() && parts_.empty();
  size_t offset = 0;
  for (size_t i = 0; i < parts_.size(); ++i) {
    if (parts_[i].capture) continue;
    const std::string& literal = parts_[i].text;
    size_t at = line.find(literal, offset);
    if (at == std::string_view::npos) return false;
    // A leading literal must start the line; any other must leave its capture non-empty.
    if (i == 0 ? at != 0 : at == offset) return false;
    offset = at + literal.size();
  }
  bool ends_on_capture = parts_.back().capture;
  return ends_on_capture == (offset != line.size());
}

std::vector<std::string_view> Pattern::Literals() const {
  std::vector<std::string_view> out;
  for (const Part& part : parts_) {
    if (!part.capture) out.push_back(part.text);
  }
  return out;
}

}  // namespace vigie::logql
