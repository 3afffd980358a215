#include "collector/state.h"

#include <sys/random.h>

#include <cerrno>

#include "collector/durable_file.h"
#include "common/strings.h"

namespace vigie::collector {

namespace {

std::string_view TrimNewline(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

absl::StatusOr<std::string> RandomAgentId() {
  unsigned char bytes[16];
  if (getrandom(bytes, sizeof(bytes), 0) != sizeof(bytes)) {
    return ErrnoStatus("getrandom", errno);
  }
  std::string id;
  for (unsigned char b : bytes) StrAppend(&id, fmt::format("{:02x}", b));
  return id;
}

absl::StatusOr<std::string> LoadOrCreateAgentId(const std::string& path) {
  absl::StatusOr<std::string> text = ReadWholeFile(path);
  if (text.ok()) {
    std::string id(TrimNewline(*text));
    if (id.empty()) return absl::DataLossError(StrCat(path, " is empty"));
    return id;
  }
  if (!absl::IsNotFound(text.status())) return text.status();
  absl::StatusOr<std::string> id = RandomAgentId();
  if (!id.ok()) return id.status();
  if (absl::Status s = WriteFileAtomically(path, *id + "\n"); !s.ok()) return s;
  return id;
}

absl::StatusOr<uint64_t> LoadSeqBound(const std::string& path) {
  absl::StatusOr<std::string> text = ReadWholeFile(path);
  if (absl::IsNotFound(text.status())) return 1;
  if (!text.ok()) return text.status();
  uint64_t bound = 0;
  if (!ParseNumber(TrimNewline(*text), &bound) || bound == 0) {
    return absl::DataLossError(StrCat(path, " does not hold a sequence number"));
  }
  return bound;
}

}  // namespace

absl::StatusOr<std::unique_ptr<AgentState>> AgentState::Open(const std::string& dir) {
  if (absl::Status s = EnsureDirectory(dir); !s.ok()) return s;
  absl::StatusOr<std::string> id = LoadOrCreateAgentId(dir + "/agent_id");
  if (!id.ok()) return id.status();
  std::string seq_path = dir + "/seq";
  absl::StatusOr<uint64_t> bound = LoadSeqBound(seq_path);
  if (!bound.ok()) return bound.status();
  return std::unique_ptr<AgentState>(new AgentState(seq_path, *std::move(id), *bound));
}

absl::StatusOr<uint64_t> AgentState::NextSeq() {
  if (next_ >= bound_) {
    uint64_t bound = next_ + kLease;
    if (absl::Status s = WriteFileAtomically(seq_path_, StrCat(bound, "\n")); !s.ok()) return s;
    bound_ = bound;
  }
  return next_++;
}

}  // namespace vigie::collector
