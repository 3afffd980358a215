#include "query/logql/match_window.h"

namespace vigie::logql {

MatchWindow::MatchWindow(size_t streams, const Options& options, ShowFn show)
    : streams_(streams),
      limit_(options.limit),
      lead_(options.forward ? options.before : options.after),
      trail_(options.forward ? options.after : options.before),
      forward_(options.forward),
      find_more_(options.find_more),
      show_(std::move(show)) {}

bool MatchWindow::Follows(uint64_t previous, uint64_t position) const {
  return forward_ ? position == previous + 1 : previous == position + 1;
}

bool MatchWindow::Show(size_t stream, int64_t ts, uint64_t position, std::string_view line,
                       const LabelSet* labels, bool context) {
  Stream& s = streams_[stream];
  bool group_start = !s.last_shown || !Follows(*s.last_shown, position);
  s.last_shown = position;
  return show_({stream, ts, line, labels, context, group_start});
}

void MatchWindow::SetTrail(Stream& s, uint32_t n) {
  trailing_streams_ += (n > 0) - (s.trail_left > 0);
  s.trail_left = n;
}

bool MatchWindow::Add(const ScannedLine& l) {
  Stream& s = streams_[l.stream_index];
  const bool match = !l.context;
  if (match && shown_matches_ < limit_) {
    if (!s.held.empty() && !Follows(s.held.back().position, l.position)) s.held.clear();
    for (const Held& h : s.held) {
      if (!Show(l.stream_index, h.ts, h.position, h.line, nullptr, true)) return false;
    }
    s.held.clear();
    if (!Show(l.stream_index, l.ts, l.position, l.line, l.labels, false)) return false;
    ++shown_matches_;
    SetTrail(s, trail_);
  } else {
    if (match) truncated_ = true;
    if (s.trail_left > 0 && s.last_shown && Follows(*s.last_shown, l.position)) {
      // Trailing context; a match past the limit is shown as context, as grep -m does.
      if (!Show(l.stream_index, l.ts, l.position, l.line, nullptr, true)) return false;
      SetTrail(s, s.trail_left - 1);
    } else {
      SetTrail(s, 0);
      if (lead_ > 0 && shown_matches_ < limit_) {
        if (!s.held.empty() && !Follows(s.held.back().position, l.position)) s.held.clear();
        s.held.push_back({l.ts, l.position, std::string(l.line)});
        if (s.held.size() > lead_) s.held.pop_front();
      }
    }
  }
  bool looked_enough = shown_matches_ >= limit_ && (truncated_ || !find_more_);
  return !(looked_enough && trailing_streams_ == 0);
}

}  // namespace vigie::logql
