// The collector's identity towards vigied: a stable agent id and strictly increasing batch
// sequence numbers, both kept in the state directory so that they survive restarts.
//
// vigied deduplicates by (agent_id, seq): a batch whose seq is not above the last one applied
// for the agent is acknowledged and not stored. So a seq must never be reused, even after a
// crash that loses unsynced writes. Sequence numbers are therefore leased: the state file holds
// a bound above every seq handed out, made durable before any seq past the previous bound is
// used. A restart continues from the bound (skipping at most one lease of numbers).
//
// Thread safety: agent_id() is immutable; NextSeq() must be called from one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace vigie::collector {

class AgentState {
 public:
  // How many sequence numbers one durable write of the bound covers.
  static constexpr uint64_t kLease = 100000;

  // Loads `dir`/agent_id and `dir`/seq, creating them on a first start.
  static absl::StatusOr<std::unique_ptr<AgentState>> Open(const std::string& dir);

  const std::string& agent_id() const { return agent_id_; }

  // The next sequence number (never 0, which the wire reserves).
  absl::StatusOr<uint64_t> NextSeq();

 private:
  AgentState(std::string seq_path, std::string agent_id, uint64_t next)
      : seq_path_(std::move(seq_path)), agent_id_(std::move(agent_id)), next_(next), bound_(next) {}

  std::string seq_path_;
  std::string agent_id_;
  uint64_t next_;
  uint64_t bound_;  // Durable: no seq >= bound_ has been handed out before this run.
};

}  // namespace vigie::collector
