#include "query/logql/label_filter.h"

#include <charconv>
#include <cmath>
#include <limits>

#include "absl/strings/ascii.h"
#include "common/strings.h"
#include "common/time.h"
#include "query/logql/quote.h"

namespace vigie::logql {
namespace {

template <typename T>
bool Compare(CompareOp op, T a, T b) {
  switch (op) {
    case CompareOp::kEq:
      return a == b;
    case CompareOp::kNe:
      return a != b;
    case CompareOp::kGt:
      return a > b;
    case CompareOp::kGe:
      return a >= b;
    case CompareOp::kLt:
      return a < b;
    case CompareOp::kLe:
      return a <= b;
  }
  return false;
}

// The shortest text that parses back to `value` (std::to_chars' round-trip form).
std::string NumberText(double value) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  return ec == std::errc() ? std::string(buf, end) : StrCat(value);
}

std::string DurationText(int64_t nanos) {
  std::string text = FormatDuration(nanos < 0 ? -nanos : nanos);
  std::optional<int64_t> back = ParseGoDuration(text);
  if (!back || *back != (nanos < 0 ? -nanos : nanos))
    text = StrCat(nanos < 0 ? -nanos : nanos, "ns");
  return nanos < 0 ? "-" + text : text;
}

class LabelFilterStage : public Stage {
 public:
  explicit LabelFilterStage(std::unique_ptr<LabelFilterExpr> expr) : expr_(std::move(expr)) {}
  bool Process(LineContext& ctx, StageState*) const override {
    return expr_->Evaluate(*ctx.labels);
  }
  std::optional<std::vector<std::string>> ReadsLabels() const override {
    std::vector<std::string> names;
    expr_->CollectNames(&names);
    return names;
  }
  std::vector<std::pair<std::string, std::string>> RequiredValues() const override {
    std::vector<std::pair<std::string, std::string>> out;
    expr_->CollectRequiredValues(&out);
    return out;
  }
  bool IsLabelFilter() const override { return true; }
  std::string ToString() const override { return "| " + expr_->ToString(); }

 private:
  std::unique_ptr<LabelFilterExpr> expr_;
};

}  // namespace

std::string_view CompareOpSymbol(CompareOp op) {
  switch (op) {
    case CompareOp::kEq:
      return "==";
    case CompareOp::kNe:
      return "!=";
    case CompareOp::kGt:
      return ">";
    case CompareOp::kGe:
      return ">=";
    case CompareOp::kLt:
      return "<";
    case CompareOp::kLe:
      return "<=";
  }
  return "?";
}

std::unique_ptr<LabelFilterExpr> LabelFilterExpr::Matcher(LabelMatcher matcher) {
  std::unique_ptr<LabelFilterExpr> e(new LabelFilterExpr);
  e->kind_ = Kind::kMatcher;
  e->name_ = matcher.name();
  e->matcher_ = std::move(matcher);
  return e;
}

std::unique_ptr<LabelFilterExpr> LabelFilterExpr::Number(std::string name, CompareOp op,
                                                         double value) {
  std::unique_ptr<LabelFilterExpr> e(new LabelFilterExpr);
  e->kind_ = Kind::kNumber;
  e->name_ = std::move(name);
  e->op_ = op;
  e->number_ = value;
  return e;
}

std::unique_ptr<LabelFilterExpr> LabelFilterExpr::Duration(std::string name, CompareOp op,
                                                           int64_t nanos) {
  std::unique_ptr<LabelFilterExpr> e = Number(std::move(name), op, 0);
  e->kind_ = Kind::kDuration;
  e->nanos_ = nanos;
  return e;
}

std::unique_ptr<LabelFilterExpr> LabelFilterExpr::Bytes(std::string name, CompareOp op,
                                                        uint64_t bytes) {
  std::unique_ptr<LabelFilterExpr> e = Number(std::move(name), op, 0);
  e->kind_ = Kind::kBytes;
  e->bytes_ = bytes;
  return e;
}

std::unique_ptr<LabelFilterExpr> LabelFilterExpr::Binary(Kind kind,
                                                         std::unique_ptr<LabelFilterExpr> left,
                                                         std::unique_ptr<LabelFilterExpr> right) {
  std::unique_ptr<LabelFilterExpr> e(new LabelFilterExpr);
  e->kind_ = kind;
  e->left_ = std::move(left);
  e->right_ = std::move(right);
  return e;
}

std::unique_ptr<LabelFilterExpr> LabelFilterExpr::Ip(std::string name, bool negated, IpMatcher ip) {
  std::unique_ptr<LabelFilterExpr> e =
      Number(std::move(name), negated ? CompareOp::kNe : CompareOp::kEq, 0);
  e->kind_ = Kind::kIp;
  e->ip_ = std::move(ip);
  return e;
}

bool LabelFilterExpr::Evaluate(LabelsBuilder& labels) const {
  switch (kind_) {
    case Kind::kAnd: {
      bool left = left_->Evaluate(labels);
      bool right = right_->Evaluate(labels);  // Evaluated anyway: it may report an error.
      return left && right;
    }
    case Kind::kOr:
      return left_->Evaluate(labels) || right_->Evaluate(labels);
    case Kind::kMatcher:
      return matcher_->Matches(labels.Get(name_).value_or(""));
    default:
      break;
  }
  // As in Loki: a line with an error already is not tested (only string matchers drop it), so
  // that `| json | status >= 500` keeps the lines the parser could not read.
  if (labels.HasError()) return true;
  std::optional<std::string_view> value = labels.Get(name_);
  if (!value) return false;
  if (kind_ == Kind::kIp) return ip_->MatchesText(*value) == (op_ == CompareOp::kEq);
  bool converted = false, passes = false;
  std::string_view what;
  if (kind_ == Kind::kNumber) {
    std::optional<double> v = ParseGoFloat(*value);
    converted = v.has_value();
    passes = converted && Compare(op_, *v, number_);
    what = "a number";
  } else if (kind_ == Kind::kDuration) {
    std::optional<int64_t> v = ParseGoDuration(*value);
    converted = v.has_value();
    passes = converted && Compare(op_, *v, nanos_);
    what = "a duration";
  } else {
    std::optional<uint64_t> v = ParseHumanBytes(*value);
    converted = v.has_value();
    passes = converted && Compare(op_, *v, bytes_);
    what = "a byte size";
  }
  if (converted) return passes;
  labels.SetError(kLabelFilterErr, StrCat("label ", name_, " (\"", *value, "\") is not ", what));
  return true;
}

void LabelFilterExpr::CollectNames(std::vector<std::string>* names) const {
  if (left_) {
    left_->CollectNames(names);
    right_->CollectNames(names);
  } else {
    names->push_back(name_);
  }
}

void LabelFilterExpr::CollectRequiredValues(
    std::vector<std::pair<std::string, std::string>>* out) const {
  if (kind_ == Kind::kAnd) {
    left_->CollectRequiredValues(out);
    right_->CollectRequiredValues(out);
  } else if (kind_ == Kind::kMatcher && matcher_->type() == MatchType::kEqual) {
    out->emplace_back(matcher_->name(), matcher_->value());
  }
}

std::string LabelFilterExpr::ToString() const {
  switch (kind_) {
    case Kind::kAnd:
    case Kind::kOr: {
      // Left to right with equal precedence: only a binary right side needs parentheses.
      std::string right = right_->ToString();
      if (right_->left_) right = "(" + right + ")";
      return StrCat(left_->ToString(), kind_ == Kind::kAnd ? " and " : " or ", right);
    }
    case Kind::kMatcher:
      return matcher_->ToString();
    case Kind::kNumber:
      return StrCat(name_, " ", CompareOpSymbol(op_), " ", NumberText(number_));
    case Kind::kDuration:
      return StrCat(name_, " ", CompareOpSymbol(op_), " ", DurationText(nanos_));
    case Kind::kBytes:
      return StrCat(name_, " ", CompareOpSymbol(op_), " ", bytes_, "B");
    case Kind::kIp:
      return StrCat(name_, op_ == CompareOp::kEq ? " = " : " != ", "ip(", Quote(ip_->pattern()),
                    ")");
  }
  return "";
}

std::shared_ptr<const Stage> MakeLabelFilterStage(std::unique_ptr<LabelFilterExpr> expr) {
  return std::make_shared<LabelFilterStage>(std::move(expr));
}

std::optional<double> ParseGoFloat(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  double value;
  if (EqualsIgnoreCase(text, "inf") || EqualsIgnoreCase(text, "infinity")) {
    value = std::numeric_limits<double>::infinity();
  } else if (EqualsIgnoreCase(text, "nan")) {
    value = std::numeric_limits<double>::quiet_NaN();
  } else {
    // from_chars reads neither a sign nor "inf" here (handled above), as ParseFloat's grammar
    // wants after the sign.
    if (text.empty() || !(absl::ascii_isdigit(text[0]) || text[0] == '.')) return std::nullopt;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  }
  return negative ? -value : value;
}

std::optional<int64_t> ParseGoDuration(std::string_view s) {
  constexpr uint64_t kMax = uint64_t{1} << 63;
  struct Unit {
    std::string_view name;
    uint64_t nanos;
  };
  static constexpr Unit kUnits[] = {
      {"ns", 1},       {"us", 1000},      {"\xC2\xB5s", 1000}, {"\xCE\xBCs", 1000},
      {"ms", 1000000}, {"s", 1000000000}, {"m", 60000000000},  {"h", 3600000000000},
  };
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return 0;
  if (s.empty()) return std::nullopt;
  uint64_t total = 0;
  while (!s.empty()) {
    if (!(s[0] == '.' || absl::ascii_isdigit(s[0]))) return std::nullopt;
    uint64_t whole = 0;
    size_t i = 0;
    for (; i < s.size() && absl::ascii_isdigit(s[i]); ++i) {
      if (whole > (kMax - 1) / 10) return std::nullopt;
      whole = whole * 10 + static_cast<uint64_t>(s[i] - '0');
      if (whole > kMax) return std::nullopt;
    }
    bool has_whole = i > 0;
    bool has_fraction = false;
    double fraction = 0, scale = 1;
    if (i < s.size() && s[i] == '.') {
      ++i;
      size_t start = i;
      for (; i < s.size() && absl::ascii_isdigit(s[i]); ++i) {
        if (scale < 1e18) {
          fraction = fraction * 10 + (s[i] - '0');
          scale *= 10;
        }
      }
      has_fraction = i > start;
    }
    if (!has_whole && !has_fraction) return std::nullopt;
    s.remove_prefix(i);
    size_t unit_end = 0;
    while (unit_end < s.size() && !(s[unit_end] == '.' || absl::ascii_isdigit(s[unit_end]))) {
      ++unit_end;
    }
    if (unit_end == 0) return std::nullopt;
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (u.name == s.substr(0, unit_end)) unit = &u;
    }
    if (unit == nullptr) return std::nullopt;
    s.remove_prefix(unit_end);
    if (whole > kMax / unit->nanos) return std::nullopt;
    uint64_t v = whole * unit->nanos;
    if (fraction > 0) {
      v += static_cast<uint64_t>(fraction * (static_cast<double>(unit->nanos) / scale));
      if (v > kMax) return std::nullopt;
    }
    total += v;
    if (total > kMax) return std::nullopt;
  }
  if (negative)
    return total == kMax ? std::numeric_limits<int64_t>::min() : -static_cast<int64_t>(total);
  if (total > kMax - 1) return std::nullopt;
  return static_cast<int64_t>(total);
}

std::optional<uint64_t> ParseHumanBytes(std::string_view text) {
  struct Unit {
    std::string_view name;
    double multiplier;
  };
  static constexpr Unit kUnits[] = {
      {"", 1},         {"b", 1},        {"k", 1e3},      {"kb", 1e3},     {"ki", 0x1p10},
      {"kib", 0x1p10}, {"m", 1e6},      {"mb", 1e6},     {"mi", 0x1p20},  {"mib", 0x1p20},
      {"g", 1e9},      {"gb", 1e9},     {"gi", 0x1p30},  {"gib", 0x1p30}, {"t", 1e12},
      {"tb", 1e12},    {"ti", 0x1p40},  {"tib", 0x1p40}, {"p", 1e15},     {"pb", 1e15},
      {"pi", 0x1p50},  {"pib", 0x1p50}, {"e", 1e18},     {"eb", 1e18},    {"ei", 0x1p60},
      {"eib", 0x1p60},
  };
  size_t digits = 0;
  std::string number;
  for (; digits < text.size(); ++digits) {
    char c = text[digits];
    if (!(absl::ascii_isdigit(c) || c == '.' || c == ',')) break;
    if (c != ',') number.push_back(c);
  }
  std::optional<double> value = ParseGoFloat(number);
  if (!value) return std::nullopt;
  std::string_view unit = text.substr(digits);
  while (!unit.empty() && absl::ascii_isspace(unit.front())) unit.remove_prefix(1);
  while (!unit.empty() && absl::ascii_isspace(unit.back())) unit.remove_suffix(1);
  for (const Unit& u : kUnits) {
    if (!EqualsIgnoreCase(u.name, unit)) continue;
    double bytes = *value * u.multiplier;
    if (!(bytes < 0x1p64)) return std::nullopt;  // Too large (or NaN).
    return static_cast<uint64_t>(bytes);
  }
  return std::nullopt;
}

}  // namespace vigie::logql
