#include "common/line_splitter.h"

#include <cstring>

#include "common/strings.h"

namespace vigie {

std::string TruncatedEntry(std::string_view kept, uint64_t dropped) {
  return StrCat(kept, " [truncated ", dropped, " bytes]");
}

void LineSplitter::Feed(std::string_view data, const Emit& emit) {
  while (!data.empty()) {
    const char* nl = static_cast<const char*>(std::memchr(data.data(), '\n', data.size()));
    size_t len = nl ? static_cast<size_t>(nl - data.data()) : data.size();
    std::string_view piece = data.substr(0, len);
    if (nl) {
      offset_ += len + 1;
      EmitLine(piece, emit);
      data.remove_prefix(len + 1);
      continue;
    }
    offset_ += len;
    size_t room = max_line_bytes_ > partial_.size() ? max_line_bytes_ - partial_.size() : 0;
    partial_.append(piece.substr(0, room));
    if (piece.size() > room) skipped_ += piece.size() - room;
    break;
  }
}

void LineSplitter::EmitLine(std::string_view tail, const Emit& emit) {
  if (partial_.empty() && tail.size() <= max_line_bytes_) {
    emit(tail, offset_, false);  // The common case: no copy.
    return;
  }
  uint64_t total = partial_.size() + skipped_ + tail.size();
  if (total <= max_line_bytes_) {
    partial_.append(tail);
    emit(partial_, offset_, false);
  } else {
    size_t keep = max_line_bytes_ > kTruncationReserve ? max_line_bytes_ - kTruncationReserve : 0;
    if (partial_.size() < keep) partial_.append(tail.substr(0, keep - partial_.size()));
    partial_.resize(keep);
    emit(TruncatedEntry(partial_, total - keep), offset_, true);
  }
  partial_.clear();
  skipped_ = 0;
}

void LineSplitter::Flush(const Emit& emit) {
  if (partial_.empty() && skipped_ == 0) return;
  EmitLine({}, emit);
}

void LineSplitter::Reset(uint64_t offset) {
  offset_ = offset;
  partial_.clear();
  skipped_ = 0;
}

}  // namespace vigie
