#include "query/logql/regex_prefilter.h"

#include <hs.h>
#include <simdjson.h>

#include <algorithm>
#include <atomic>
#include <list>
#include <mutex>

#include "query/logql/regex_scan.h"
#include "re2/re2.h"

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

// A thread's scratch space, grown to fit each database it is used with.
struct Scratch {
  hs_scratch_t* space = nullptr;
  size_t fits = 0;  // RegexPrefilter id it was last grown for.
  ~Scratch() { hs_free_scratch(space); }
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
  // PREFILTER: a superset of re2's matches is enough, as re2 confirms each line. Patterns that
  // match the empty string are refused (every line would be a candidate anyway).
  if (re.ProgramSize() <= kMaxProgramSize && hs_valid_platform() == HS_SUCCESS &&
      JoinedLinesSafe(pattern)) {
    if (hs_compile(pattern.c_str(), HS_FLAG_UTF8 | HS_FLAG_PREFILTER, HS_MODE_BLOCK, nullptr, &db,
                   &error) == HS_SUCCESS) {
      made.reset(new RegexPrefilter(db, next_id++));
    } else {
      hs_free_compile_error(error);
    }
  }
  cache.emplace_front(pattern, made);
  if (cache.size() > kCached) cache.pop_back();
  return made;
}

RegexPrefilter::~RegexPrefilter() { hs_free_database(db_); }

size_t RegexPrefilter::NextMatchEnd(std::string_view text, size_t pos) const {
  thread_local Scratch scratch;
  if (scratch.fits != id_) {
    // Out of memory: "a match may end at the next byte", so that the caller tests the lines
    // one by one.
    if (hs_alloc_scratch(db_, &scratch.space) != HS_SUCCESS) {
      return pos < text.size() ? pos + 1 : npos;
    }
    scratch.fits = id_;
  }
  size_t end = npos;
  auto first_match = [](unsigned, unsigned long long, unsigned long long to, unsigned,
                        void* found) -> int {
    *static_cast<size_t*>(found) = static_cast<size_t>(to);
    return 1;  // Stop: the caller goes on from the next line.
  };
  hs_scan(db_, text.data() + pos, static_cast<unsigned>(text.size() - pos), 0, scratch.space,
          first_match, &end);
  return end == npos ? npos : pos + end;
}

bool IsValidUtf8(std::string_view text) {
  return simdjson::validate_utf8(text.data(), text.size());
}

}  // namespace vigie::logql
