#include "collector/inputs/multiline.h"

#include "common/line_splitter.h"

namespace vigie::collector {

void Multiline::Add(std::string_view line, uint64_t end_offset, bool truncated, int64_t now_ns,
                    const Emit& emit) {
  if (pending_ && RE2::PartialMatch(line, *start_)) Flush(emit);
  if (pending_) {
    Append("\n");
  } else {
    pending_ = true;
    first_ns_ = now_ns;
  }
  Append(line);
  truncated_ |= truncated;
  end_offset_ = end_offset;
  last_ns_ = now_ns;
}

void Multiline::Append(std::string_view bytes) {
  // Keeps at most the cap; the bytes beyond it are only counted.
  size_t room = max_bytes_ > text_.size() ? max_bytes_ - text_.size() : 0;
  text_.append(bytes.substr(0, room));
  total_ += bytes.size();
}

void Multiline::Expire(int64_t now_ns, const Emit& emit) {
  if (pending_ && now_ns - last_ns_ >= timeout_ns_) Flush(emit);
}

void Multiline::Flush(const Emit& emit) {
  if (!pending_) return;
  if (total_ > max_bytes_) {
    size_t keep = max_bytes_ > kTruncationReserve ? max_bytes_ - kTruncationReserve : 0;
    emit(TruncatedEntry(std::string_view(text_).substr(0, keep), total_ - keep), end_offset_, true,
         first_ns_);
  } else {
    emit(text_, end_offset_, truncated_, first_ns_);
  }
  pending_ = false;
  text_.clear();
  total_ = 0;
  truncated_ = false;
}

}  // namespace vigie::collector
