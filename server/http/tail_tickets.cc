#include "server/http/tail_tickets.h"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>

namespace vigie::server::http {

std::string TailTickets::Issue(Clock::time_point now) {
  std::array<uint8_t, 16> bytes{};
  // RAND_bytes fails only when the system has no entropy at all: a predictable ticket would
  // be worse than none, so the server stops.
  if (RAND_bytes(bytes.data(), bytes.size()) != 1) std::abort();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string ticket;
  for (uint8_t b : bytes) {
    ticket.push_back(kHex[b >> 4]);
    ticket.push_back(kHex[b & 15]);
  }
  std::lock_guard lock(mu_);
  DropExpired(now);
  if (expiry_.size() >= kMaxOutstanding) {
    expiry_.erase(std::min_element(expiry_.begin(), expiry_.end(),
                                   [](auto& a, auto& b) { return a.second < b.second; }));
  }
  expiry_[ticket] = now + kTicketLifetime;
  return ticket;
}

bool TailTickets::Redeem(std::string_view ticket, Clock::time_point now) {
  std::lock_guard lock(mu_);
  auto it = expiry_.find(std::string(ticket));
  if (it == expiry_.end()) return false;
  bool valid = now < it->second;
  expiry_.erase(it);
  return valid;
}

void TailTickets::DropExpired(Clock::time_point now) {
  std::erase_if(expiry_, [now](const auto& entry) { return entry.second <= now; });
}

}  // namespace vigie::server::http
