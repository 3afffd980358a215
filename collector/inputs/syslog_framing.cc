#include "collector/inputs/syslog_framing.h"

#include <algorithm>

namespace vigie::collector {

namespace {

constexpr size_t kMaxLengthDigits = 10;

bool IsSpace(char c) { return c == '\n' || c == '\r' || c == ' ' || c == '\0'; }

}  // namespace

void SyslogFramer::Feed(std::string_view data, const Emit& emit) {
  while (!data.empty()) {
    if (mode_ == Mode::kUnknown) {
      while (!data.empty() && IsSpace(data.front())) data.remove_prefix(1);
      if (data.empty()) return;
      mode_ = data.front() >= '1' && data.front() <= '9' ? Mode::kOctetCounting : Mode::kLines;
    }
    if (mode_ == Mode::kLines) {
      FeedLines(data, emit);
      return;
    }
    FeedOctets(&data, emit);
  }
}

void SyslogFramer::FeedOctets(std::string_view* data, const Emit& emit) {
  if (in_body_) {
    size_t take = static_cast<size_t>(std::min<uint64_t>(body_left_, data->size()));
    size_t room = max_bytes_ > frame_.size() ? max_bytes_ - frame_.size() : 0;
    frame_.append(data->substr(0, std::min(take, room)));
    frame_total_ += take;
    body_left_ -= take;
    data->remove_prefix(take);
    if (body_left_ == 0) EmitFrame(emit);
    return;
  }
  // Between frames: some senders end each frame with a newline as well.
  if (header_.empty()) {
    while (!data->empty() && IsSpace(data->front())) data->remove_prefix(1);
  }
  while (!data->empty()) {
    char c = data->front();
    if (c >= '0' && c <= '9' && header_.size() < kMaxLengthDigits) {
      header_.push_back(c);
      data->remove_prefix(1);
      continue;
    }
    if (c == ' ' && !header_.empty() && header_[0] != '0') {
      data->remove_prefix(1);
      in_body_ = true;
      body_left_ = 0;
      for (char d : header_) body_left_ = body_left_ * 10 + static_cast<uint64_t>(d - '0');
      header_.clear();
      if (body_left_ == 0) EmitFrame(emit);
      return;
    }
    // Not a length: the rest of the connection is read as lines, the digits included.
    mode_ = Mode::kLines;
    std::string digits = std::move(header_);
    header_.clear();
    FeedLines(digits, emit);
    return;
  }
}

void SyslogFramer::EmitFrame(const Emit& emit) {
  std::string_view frame = frame_;
  bool truncated = frame_total_ > max_bytes_;
  // A frame ending in a newline (some senders count it in the length) is stored without it.
  while (!truncated && !frame.empty() && (frame.back() == '\n' || frame.back() == '\r')) {
    frame.remove_suffix(1);
  }
  if (truncated) {
    size_t keep = max_bytes_ > kTruncationReserve ? max_bytes_ - kTruncationReserve : 0;
    emit(TruncatedEntry(frame.substr(0, keep), frame_total_ - keep), true);
  } else if (!frame.empty()) {
    emit(frame, false);
  }
  frame_.clear();
  frame_total_ = 0;
  in_body_ = false;
}

void SyslogFramer::FeedLines(std::string_view data, const Emit& emit) {
  lines_.Feed(data, [&](std::string_view line, uint64_t, bool truncated) {
    if (!truncated && line.ends_with('\r')) line.remove_suffix(1);
    if (!line.empty()) emit(line, truncated);
  });
}

void SyslogFramer::Finish(const Emit& emit) {
  if (in_body_) {
    EmitFrame(emit);  // Cut short by the sender: what arrived is kept.
  } else if (!header_.empty()) {
    FeedLines(header_, emit);
    header_.clear();
  }
  lines_.Flush([&](std::string_view line, uint64_t, bool truncated) {
    if (!line.empty()) emit(line, truncated);
  });
}

}  // namespace vigie::collector
