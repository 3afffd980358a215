// Loki's ip("...") matcher for line filters (|= ip("10.0.0.0/8")) and label filters
// (| addr = ip("192.168.0.1-192.168.0.255")): a single address, a CIDR prefix or an inclusive
// range, IPv4 or IPv6.
//
// Thread safety: immutable after Parse(); const methods may be called concurrently.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace vigie::logql {

// An IPv4 or IPv6 address. IPv4 addresses are never equal to their IPv4-mapped IPv6 forms
// (::ffff:1.2.3.4), as in Go's net/netip, which Loki uses.
struct IpAddress {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};  // Network order; the first 4 for IPv4.

  // Parses exactly one address as Go's netip.ParseAddr does without zones: dotted IPv4 with no
  // leading zeros, or IPv6 (with "::" and a trailing dotted IPv4 allowed).
  static bool Parse(std::string_view text, IpAddress* out);
  int size() const { return v6 ? 16 : 4; }
};

class IpMatcher {
 public:
  // Accepts "192.168.0.1", "10.0.0.0/8", "192.168.0.1-192.168.0.255" and their IPv6 forms.
  // Fails with InvalidArgument naming the pattern and the forms accepted.
  static absl::StatusOr<IpMatcher> Parse(std::string_view pattern);

  // True when `address` is in the set (never across families).
  bool Contains(const IpAddress& address) const;

  // True when some address written in `text` is in the set. Addresses are found as Loki finds
  // them: a digit followed by a '.' within three bytes starts an IPv4 candidate, and a short hex
  // group followed by ':' (or "::" and a hex digit) an IPv6 one; the candidate is the longest run
  // of address characters from there, which must parse as a whole ("10.0.0.1." does not). A
  // candidate needs at least 4 (IPv4) or 5 (IPv6) bytes left in `text` to be looked at.
  bool MatchesText(std::string_view text) const;

  const std::string& pattern() const { return pattern_; }

 private:
  std::string pattern_;
  IpAddress first_, last_;  // Inclusive bounds, same family.
};

}  // namespace vigie::logql
