#include "query/logql/regex_prefilter.h"

#include <hs.h>
#include <simdjson.h>

#include <string.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <list>
#include <mutex>
#include <vector>

#include "query/logql/regex_scan.h"
#include "re2/re2.h"
#include "store/block.h"

namespace vigie::logql {
namespace {

// Whether Hyperscan, run over lines joined end to end, finds every line re2 matches (and maybe
// more): false for what depends on a line's ends or folds case beyond ASCII, and for anything
// the scanner does not model.
bool JoinedLinesSafe(std::string_view p) {
  if (p.find('\0') != std::string_view::npos) return false;
  bool folds = false;
  for (size_t pos = 0; pos < p.size();) {
    std::string ch;
    if (p[pos] == '\\') {
      internal::ReItem item = internal::ScanEscape(p, &pos, /*in_class=*/false, &ch);
      if (item == internal::ReItem::kEmpty || item == internal::ReItem::kBad) return false;
    } else if (p[pos] == '[') {
      if (internal::ScanClass(p, &pos, &ch) == internal::ReItem::kBad) return false;
    } else if (p[pos] == '^' || p[pos] == '$') {
      return false;
    } else {
      // Flags: (?i) (?i:...) (?-i); a named group (?P<name>...) has no 'i' before its '<'.
      if (p.substr(pos).starts_with("(?")) {
        std::string_view flags = p.substr(pos, p.find_first_of(":)<", pos) - pos);
        folds = folds || flags.find('i') != std::string_view::npos;
      }
      internal::ScanChar(p, &pos);
    }
  }
  // Hyperscan folds ASCII letters only, where re2 folds k and s to the Kelvin sign and the long s
  // too: with (?i), the pattern must name no such letter (written, in a class range, escaped or
  // beyond ASCII).
  auto unfolded = [](char c) {
    return static_cast<unsigned char>(c) >= 0x80 ||
           std::string_view("kKsS[\\").find(c) != std::string_view::npos;
  };
  return !folds || std::none_of(p.begin(), p.end(), unfolded);
}

// Whether an escape (the character after the backslash) means the same to re2 and Hyperscan
// and cannot match '\n'. \s \S \v differ (Hyperscan's whitespace holds the vertical tab, and
// its \v is a class); \p \P may differ by Unicode version; octal and hex escapes may stand for
// '\n' (and re2 reads \1 as octal where Hyperscan sees a back-reference); \D \W match '\n'.
// Inside a class, only what cannot be the end of a range around '\n'.
bool ExactEscape(char e, bool in_class) {
  const bool alnum = (e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9');
  if (!alnum) return static_cast<unsigned char>(e) < 0x80;  // Escaped punctuation: itself.
  return e == 'd' || e == 'w' ||
         (!in_class && std::string_view("trfa").find(e) != std::string_view::npos);
}

// Whether Hyperscan and re2 agree on "does this line match" for every valid UTF-8 line without
// a '\n', and no match can hold a '\n'; for a pattern that JoinedLinesSafe accepts.
// Conservative: what it does not know is false.
bool LineExact(std::string_view p) {
  // A raw control byte up to '\n' (say, the low end of a range that holds '\n').
  if (std::any_of(p.begin(), p.end(), [](char c) { return static_cast<unsigned char>(c) <= '\n'; }))
    return false;
  for (size_t pos = 0; pos < p.size();) {
    std::string ch;
    if (p[pos] == '\\') {
      if (pos + 1 >= p.size() || !ExactEscape(p[pos + 1], /*in_class=*/false)) return false;
      internal::ScanEscape(p, &pos, /*in_class=*/false, &ch);
    } else if (p[pos] == '[') {
      const size_t start = pos;
      if (internal::ScanClass(p, &pos, &ch) == internal::ReItem::kBad) return false;
      // A negated class matches '\n'; a POSIX class may differ ([:space:], [:word:]).
      const std::string_view cls = p.substr(start, pos - start);
      if (cls[1] == '^' || cls.find("[:") != std::string_view::npos) return false;
      for (size_t k = 1; k + 1 < cls.size(); ++k) {
        if (cls[k] == '\\' && !ExactEscape(cls[++k], /*in_class=*/true)) return false;
      }
    } else {
      // (?s) lets '.' match '\n'.
      if (p.substr(pos).starts_with("(?") &&
          p.substr(pos, p.find_first_of(":)<", pos) - pos).find('s') != std::string_view::npos)
        return false;
      internal::ScanChar(p, &pos);
    }
  }
  return true;
}

// Whether Hyperscan reports the matches of `pattern` (compiled with `flags`) in order of their
// end offsets, as ForEachMatchingLine assumes.
bool MatchesInOrder(const std::string& pattern, unsigned flags) {
  hs_expr_info_t* info = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_expression_info(pattern.c_str(), flags, &info, &error) != HS_SUCCESS) {
    hs_free_compile_error(error);
    return false;
  }
  const bool ordered = info->unordered_matches == 0;
  free(info);  // Allocated with Hyperscan's default allocator, malloc.
  return ordered;
}

// A thread's scratch space, grown to fit each database it is used with.
struct Scratch {
  hs_scratch_t* space = nullptr;
  size_t fits = 0;  // RegexPrefilter id it was last grown for.
  ~Scratch() { hs_free_scratch(space); }
};

// The calling thread's scratch space, fitted to `db` (whose prefilter has id `id`); null when
// it cannot be allocated.
hs_scratch_t* ThreadScratch(hs_database_t* db, size_t id) {
  thread_local Scratch scratch;
  if (scratch.fits != id) {
    if (hs_alloc_scratch(db, &scratch.space) != HS_SUCCESS) return nullptr;
    scratch.fits = id;
  }
  return scratch.space;
}

// Where a scan of a block's lines joined by '\n' stands: the line the last match ended in,
// and the lines found so far (block indexes).
struct JoinedScan {
  const store::DecodedBlock* block;
  size_t first;  // The first line scanned.
  size_t begin;  // block.offset(first).
  size_t line;   // The line the last match ended in (`first` before any).
  std::vector<uint32_t>* found;

  // Where line i's '\n' is in the joined text: each line before it added one byte.
  size_t NewlineAt(size_t i) const { return block->offset(i + 1) - begin + (i - first); }
};

std::atomic<size_t> next_id{1};

}  // namespace

std::shared_ptr<const RegexPrefilter> RegexPrefilter::Make(const re2::RE2& re) {
  // The patterns made last, most recent first (refused ones too, as null).
  constexpr size_t kCached = 64;
  static std::mutex mu;
  static std::list<std::pair<std::string, std::shared_ptr<const RegexPrefilter>>> cache;
  const std::string& pattern = re.pattern();
  std::lock_guard lock(mu);
  auto it =
      std::find_if(cache.begin(), cache.end(), [&](const auto& e) { return e.first == pattern; });
  if (it != cache.end()) {
    cache.splice(cache.begin(), cache, it);
    return it->second;
  }
  std::shared_ptr<const RegexPrefilter> made;
  hs_database_t* db = nullptr;
  hs_compile_error_t* error = nullptr;
  // Exact when the pattern allows it and Hyperscan compiles it as it is; otherwise PREFILTER: a
  // superset of re2's matches is enough, as re2 confirms each line. Patterns that match the
  // empty string are refused (every line would be a candidate anyway).
  std::optional<ByteRegex> tree = ByteRegex::Parse(pattern);
  std::optional<ClassSequence> sequence = tree ? ClassSequence::Make(*tree) : std::nullopt;
  std::optional<ClassNfa> nfa = tree && !sequence ? ClassNfa::Make(*tree) : std::nullopt;
  if (sequence) {
    made.reset(new RegexPrefilter(*std::move(sequence)));
  } else if (nfa) {
    made.reset(new RegexPrefilter(*std::move(nfa)));
  } else if (re.ProgramSize() <= kMaxProgramSize && hs_valid_platform() == HS_SUCCESS &&
             JoinedLinesSafe(pattern)) {
    auto compile = [&](unsigned flags) {
      if (hs_compile(pattern.c_str(), flags, HS_MODE_BLOCK, nullptr, &db, &error) != HS_SUCCESS) {
        hs_free_compile_error(error);
        return false;
      }
      made.reset(new RegexPrefilter(db, next_id++, (flags & HS_FLAG_PREFILTER) == 0));
      return true;
    };
    const bool exact = LineExact(pattern) && MatchesInOrder(pattern, HS_FLAG_UTF8);
    if (!(exact && compile(HS_FLAG_UTF8))) compile(HS_FLAG_UTF8 | HS_FLAG_PREFILTER);
  }
  cache.emplace_front(pattern, made);
  if (cache.size() > kCached) cache.pop_back();
  return made;
}

RegexPrefilter::~RegexPrefilter() {
  if (db_ != nullptr) hs_free_database(db_);
}

size_t RegexPrefilter::NextMatchEnd(std::string_view text, size_t pos) const {
  if (sequence_) return sequence_->NextMatchEnd(text, pos);
  if (nfa_) return nfa_->NextMatchEnd(text, pos);
  hs_scratch_t* scratch = ThreadScratch(db_, id_);
  // Out of memory: "a match may end at the next byte", so that the caller tests the lines one
  // by one.
  if (scratch == nullptr) return pos < text.size() ? pos + 1 : npos;
  size_t end = npos;
  auto first_match = [](unsigned, unsigned long long, unsigned long long to, unsigned,
                        void* found) -> int {
    *static_cast<size_t*>(found) = static_cast<size_t>(to);
    return 1;  // Stop: the caller goes on from the next line.
  };
  hs_scan(db_, text.data() + pos, static_cast<unsigned>(text.size() - pos), 0, scratch, first_match,
          &end);
  return end == npos ? npos : pos + end;
}

bool RegexPrefilter::ForEachMatchingLine(const store::DecodedBlock& block, size_t first,
                                         size_t last,
                                         const std::function<void(size_t)>& on_match) const {
  if (sequence_) {
    sequence_->ForEachMatchingLine(block, first, last, on_match);
    return true;
  }
  if (nfa_) {
    nfa_->ForEachMatchingLine(block, first, last, on_match);
    return true;
  }
  hs_scratch_t* scratch = ThreadScratch(db_, id_);
  if (scratch == nullptr || first >= last) return scratch != nullptr;
  const std::string_view all = block.lines();
  const size_t end = block.offset(last);
  if (memchr(all.data() + block.offset(first), '\n', end - block.offset(first)) != nullptr)
    return false;
  // First the lines as stored, up to the first match end: no line before that end's holds a
  // match (its match would end sooner), so only the lines from there on are copied and scanned.
  // A block without a match, as most are for a rare pattern, costs one scan and no copy.
  const size_t first_end = NextMatchEnd(all.substr(0, end), block.offset(first));
  if (first_end == npos) return true;
  first = block.LineAt(first_end - 1, first);  // The line of the match's last byte.
  const size_t begin = block.offset(first);
  // Per thread, so that blocks after the first reuse the buffers.
  thread_local std::string joined;
  thread_local std::vector<uint32_t> found;
  joined.resize(end - begin + (last - first));
  char* out = joined.data();
  for (size_t i = first; i < last; ++i) {
    const std::string_view line = block.line(i);
    memcpy(out, line.data(), line.size());
    out += line.size();
    *out++ = '\n';
  }
  found.clear();
  JoinedScan scan{&block, first, begin, first, &found};
  auto on_event = [](unsigned, unsigned long long, unsigned long long to, unsigned,
                     void* context) -> int {
    JoinedScan& s = *static_cast<JoinedScan*>(context);
    // The match ends (exclusive) at `to` and holds no '\n': its last byte is in the first line
    // whose '\n' comes at or after `to`. Matches come in order of their ends.
    while (s.NewlineAt(s.line) < to) ++s.line;
    if (s.found->empty() || s.found->back() != s.line) s.found->push_back(s.line);
    return 0;
  };
  if (hs_scan(db_, joined.data(), static_cast<unsigned>(joined.size()), 0, scratch, on_event,
              &scan) != HS_SUCCESS) {
    return false;
  }
  for (uint32_t i : found) on_match(i);
  return true;
}

bool IsValidUtf8(std::string_view text) {
  return simdjson::validate_utf8(text.data(), text.size());
}

}  // namespace vigie::logql
