#include "query/logql/literal_info.h"

#include <algorithm>

namespace vigie::logql::internal {
namespace {

void KeepLonger(std::string* best, const std::string& candidate) {
  if (candidate.size() > best->size()) *best = candidate;
}

// Cuts every field to kMaxLiteral, keeping what stays true: the head of a prefix, the tail of a
// suffix, any part of a contained literal.
LiteralInfo Bounded(LiteralInfo info) {
  if (info.prefix.size() > kMaxLiteral) {
    info.exact = false;
    info.prefix.resize(kMaxLiteral);
  }
  if (info.suffix.size() > kMaxLiteral) info.suffix.erase(0, info.suffix.size() - kMaxLiteral);
  if (info.best.size() > kMaxLiteral) info.best.resize(kMaxLiteral);
  return info;
}

}  // namespace

LiteralInfo Exact(std::string s) {
  LiteralInfo info;
  info.exact = true;
  info.prefix = s;
  info.suffix = s;
  info.best = std::move(s);
  return Bounded(std::move(info));
}

LiteralInfo Concat(const LiteralInfo& a, const LiteralInfo& b) {
  if (a.exact && b.exact) return Exact(a.prefix + b.prefix);
  LiteralInfo info;
  info.prefix = a.exact ? a.prefix + b.prefix : a.prefix;
  info.suffix = b.exact ? a.suffix + b.suffix : b.suffix;
  // A match is u v with u ending in a.suffix and v starting with b.prefix: the junction of the
  // two is in every match, even when neither half is a literal on its own.
  info.best = a.suffix + b.prefix;
  KeepLonger(&info.best, a.best);
  KeepLonger(&info.best, b.best);
  KeepLonger(&info.best, info.prefix);
  KeepLonger(&info.best, info.suffix);
  return Bounded(std::move(info));
}

LiteralInfo Alternate(const std::vector<LiteralInfo>& alternatives) {
  const LiteralInfo& first = alternatives.front();
  bool same = std::all_of(alternatives.begin(), alternatives.end(), [&](const LiteralInfo& x) {
    return x.exact && first.exact && x.prefix == first.prefix;
  });
  if (same) return first;
  // Only what every branch shares is certain: the common start of their prefixes and the
  // common end of their suffixes.
  LiteralInfo info;
  info.prefix = first.prefix;
  info.suffix = first.suffix;
  for (const LiteralInfo& x : alternatives) {
    auto p =
        std::mismatch(info.prefix.begin(), info.prefix.end(), x.prefix.begin(), x.prefix.end());
    info.prefix.erase(p.first, info.prefix.end());
    auto s =
        std::mismatch(info.suffix.rbegin(), info.suffix.rend(), x.suffix.rbegin(), x.suffix.rend());
    info.suffix.erase(info.suffix.begin(), s.first.base());
  }
  info.best = info.prefix;
  KeepLonger(&info.best, info.suffix);
  return info;
}

LiteralInfo Repeat(const LiteralInfo& x, int min, bool exactly) {
  if (min <= 0) return Unknown();  // The empty string is a match: nothing is certain.
  if (x.exact) {
    // x^j is a prefix and a suffix of every x^k with k >= j; stop at the length bound.
    std::string run;
    int copies = 0;
    for (; copies < min && run.size() < kMaxLiteral; ++copies) run += x.prefix;
    if (copies == min && exactly) return Exact(std::move(run));
    LiteralInfo info;
    info.prefix = run;
    info.suffix = run;
    info.best = std::move(run);
    return Bounded(std::move(info));
  }
  LiteralInfo info = x;
  // With two copies or more, the end of one copy meets the start of the next.
  if (min >= 2) KeepLonger(&info.best, x.suffix + x.prefix);
  return Bounded(std::move(info));
}

}  // namespace vigie::logql::internal
