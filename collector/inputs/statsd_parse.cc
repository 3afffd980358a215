#include "collector/inputs/statsd_parse.h"

#include <charconv>
#include <cmath>

namespace vigie::collector {

namespace {

// The value of `text` if it is digits with at most one '.' and at most 15 digits, as nearly all
// StatsD values are ("1", "250", "12.5"): such a mantissa and the power of ten are exact doubles,
// so their quotient is the correctly rounded value, the same double from_chars gives (Clinger's
// fast path), at a fraction of its cost.
bool ParseShortDecimal(std::string_view text, double* out) {
  static constexpr double kPowersOfTen[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                            1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  uint64_t mantissa = 0;
  size_t digits = 0, fraction_digits = 0;
  bool point = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      mantissa = mantissa * 10 + static_cast<uint64_t>(c - '0');
      ++digits;
      fraction_digits += point;
    } else if (c == '.' && !point) {
      point = true;
    } else {
      return false;
    }
  }
  if (digits == 0 || digits > 15) return false;
  *out = static_cast<double>(mantissa) / kPowersOfTen[fraction_digits];
  return true;
}

}  // namespace

bool ParseStatsdNumber(std::string_view text, double* out) {
  bool negative = false;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  if (text.empty()) return false;
  if (ParseShortDecimal(text, out)) {
    if (negative) *out = -*out;
    return true;
  }
  if (text == "Infinity") {
    *out = negative ? -INFINITY : INFINITY;
    return true;
  }
  // from_chars also takes "inf", "nan" and hex digits: only what JavaScript's Number() takes.
  char first = text[0];
  if (!(first >= '0' && first <= '9') && first != '.') return false;
  double value;
  auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::general);
  if (error != std::errc() || end != text.data() + text.size()) return false;
  *out = negative ? -value : value;
  return true;
}

namespace {

// Parses one "<value>|<type>[|@<rate>][|...]" into `out`; the reason when malformed.
const char* ParseValue(std::string_view bit, StatsdValue* out) {
  size_t bar = bit.find('|');
  if (bar == std::string_view::npos) return "no |<type> after the value";
  std::string_view value = bit.substr(0, bar);
  std::string_view rest = bit.substr(bar + 1);
  bar = rest.find('|');
  std::string_view type = rest.substr(0, bar);
  *out = StatsdValue();
  if (bar != std::string_view::npos) {
    std::string_view rate = rest.substr(bar + 1);
    rate = rate.substr(0, rate.find('|'));  // Later fields are ignored, as Etsy's statsd does.
    if (rate.size() < 2 || rate[0] != '@' || rate[1] == '-' ||
        !ParseStatsdNumber(rate.substr(1), &out->sample_rate) || !(out->sample_rate > 0)) {
      return "the sample rate is not @<number above 0>";
    }
  }
  if (type == "s") {
    out->type = StatsdType::kSet;
    out->member = value.empty() ? std::string_view("0") : value;  // Etsy's statsd: '0'.
    return nullptr;
  }
  if (type == "c") {
    out->type = StatsdType::kCounter;
  } else if (type == "g") {
    out->type = StatsdType::kGauge;
    out->delta = !value.empty() && (value[0] == '+' || value[0] == '-');
  } else if (type == "ms") {
    out->type = StatsdType::kTimer;
  } else if (type == "h" || type == "d") {
    out->type = StatsdType::kHistogram;
  } else {
    return "unknown type (expected c, g, ms, h, d or s)";
  }
  if (!ParseStatsdNumber(value, &out->number)) return "the value is not a number";
  if (out->type == StatsdType::kTimer && out->number < 0) return "a timer value is negative";
  return nullptr;
}

}  // namespace

void ParseStatsdLine(std::string_view line, StatsdLine* out) {
  out->name = {};
  out->tags = {};
  out->values.clear();
  out->malformed = 0;
  out->error = nullptr;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty()) return;
  auto refuse = [&](const char* why) {
    if (out->malformed++ == 0) out->error = why;
  };
  // DogStatsD: tags after "|#", up to the next field (DogStatsD's |c: container, |T time).
  if (size_t hash = line.find("|#"); hash != std::string_view::npos) {
    std::string_view tags = line.substr(hash + 2);
    out->tags = tags.substr(0, tags.find('|'));
    line = line.substr(0, hash);
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return refuse("no :<value>|<type> after the name");
  if (colon == 0) return refuse("the name is empty");
  out->name = line.substr(0, colon);
  std::string_view values = line.substr(colon + 1);
  while (true) {
    size_t next = values.find(':');
    StatsdValue& value = out->values.emplace_back();
    if (const char* why = ParseValue(values.substr(0, next), &value)) {
      out->values.pop_back();
      refuse(why);
    }
    if (next == std::string_view::npos) break;
    values.remove_prefix(next + 1);
  }
}

}  // namespace vigie::collector
