#include "query/logql/ip_filter.h"
#include "common/strings.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace vigie::logql {
namespace {

constexpr std::string_view kIpv4Chars = "0123456789.";
constexpr std::string_view kIpv6Chars = "0123456789abcdefABCDEF:.";

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int Compare(const IpAddress& a, const IpAddress& b) {
  return memcmp(a.bytes.data(), b.bytes.data(), a.size());
}

// Loki's hints (pkg/logql/log/ip.go): where an address may start.
bool Ipv4Hint(std::string_view s) {
  return IsDigit(s[0]) && (s[1] == '.' || s[2] == '.' || s[3] == '.');
}
bool Ipv6Hint(std::string_view s) {
  if (s[0] == ':' && s[1] == ':' && absl::ascii_isxdigit(s[2])) return true;
  for (size_t digits = 1; digits <= 4; ++digits) {
    if (!absl::ascii_isxdigit(s[digits - 1])) return false;
    if (s[digits] == ':') return true;
  }
  return false;
}

size_t Span(std::string_view s, std::string_view chars) {
  size_t n = s.find_first_not_of(chars);
  return n == std::string_view::npos ? s.size() : n;
}

absl::Status Invalid(std::string_view pattern, std::string_view why) {
  return absl::InvalidArgumentError(
      StrCat("ip: invalid pattern \"", pattern, "\": ", why,
             " (write an address \"10.0.0.1\", a prefix \"10.0.0.0/8\" or a range "
             "\"10.0.0.1-10.0.0.9\", IPv4 or IPv6)"));
}

}  // namespace

bool IpAddress::Parse(std::string_view text, IpAddress* out) {
  // inet_pton wants a terminated string; addresses are short.
  char buf[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof(buf) || text.find('\0') != std::string_view::npos) {
    return false;
  }
  memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  *out = IpAddress();
  out->v6 = text.find(':') != std::string_view::npos;
  // glibc's inet_pton rejects leading zeros in IPv4 fields and accepts only the dotted quad,
  // as netip.ParseAddr does.
  return inet_pton(out->v6 ? AF_INET6 : AF_INET, buf, out->bytes.data()) == 1;
}

absl::StatusOr<IpMatcher> IpMatcher::Parse(std::string_view pattern) {
  IpMatcher m;
  m.pattern_ = std::string(pattern);
  if (IpAddress::Parse(pattern, &m.first_)) {
    m.last_ = m.first_;
    return m;
  }
  if (size_t slash = pattern.find('/'); slash != std::string_view::npos) {
    std::string_view bits_text = pattern.substr(slash + 1);
    if (!IpAddress::Parse(pattern.substr(0, slash), &m.first_)) {
      return Invalid(pattern, "the address before '/' is not valid");
    }
    int bits = 0;
    if (bits_text.empty() || (bits_text.size() > 1 && bits_text[0] == '0') ||
        !std::all_of(bits_text.begin(), bits_text.end(), IsDigit) ||
        !ParseNumber(bits_text, &bits) || bits > m.first_.size() * 8) {
      return Invalid(pattern, StrCat("the prefix length must be 0 to ", m.first_.size() * 8));
    }
    m.last_ = m.first_;
    for (int i = 0; i < m.first_.size(); ++i) {
      int keep = std::clamp(bits - i * 8, 0, 8);
      uint8_t mask = keep == 0 ? 0 : static_cast<uint8_t>(0xff << (8 - keep));
      m.first_.bytes[i] &= mask;
      m.last_.bytes[i] |= static_cast<uint8_t>(~mask);
    }
    return m;
  }
  if (size_t dash = pattern.find('-'); dash != std::string_view::npos) {
    if (!IpAddress::Parse(pattern.substr(0, dash), &m.first_) ||
        !IpAddress::Parse(pattern.substr(dash + 1), &m.last_)) {
      return Invalid(pattern, "both ends of a range must be addresses");
    }
    if (m.first_.v6 != m.last_.v6) return Invalid(pattern, "a range cannot mix IPv4 and IPv6");
    if (Compare(m.first_, m.last_) > 0) return Invalid(pattern, "the range ends before it starts");
    return m;
  }
  return Invalid(pattern, "not an address, prefix or range");
}

bool IpMatcher::Contains(const IpAddress& a) const {
  return a.v6 == first_.v6 && Compare(first_, a) <= 0 && Compare(a, last_) <= 0;
}

bool IpMatcher::MatchesText(std::string_view text) const {
  const size_t n = text.size();
  for (size_t i = 0; i < n; ++i) {
    std::string_view chars;
    if (i + 3 < n && Ipv4Hint(text.substr(i))) {
      chars = kIpv4Chars;
    } else if (i + 4 < n && Ipv6Hint(text.substr(i))) {
      chars = kIpv6Chars;
    } else {
      continue;
    }
    size_t len = Span(text.substr(i), chars);
    IpAddress address;
    if (IpAddress::Parse(text.substr(i, len), &address) && Contains(address)) return true;
    i += len;  // Loki skips the candidate and the byte after it.
  }
  return false;
}

}  // namespace vigie::logql
