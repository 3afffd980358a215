// Fuzzes the n-gram filter: its decoder with arbitrary bytes as a stored filter, and the promise
// searches rely on with arbitrary lines.
// - Input read as `literal \n filter bytes`: any bytes must be answered (readable or not) without
//   reading out of bounds.
// - Input read as lines: the filter built from them must answer "maybe" for every substring of a
//   line, exact and (when ASCII) case-folded.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "store/ngram_filter.h"

namespace {

void Check(bool ok) {
  if (!ok) abort();
}

bool Ascii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const size_t newline = std::min(text.find('\n'), text.size());
  const std::string_view literal = text.substr(0, newline);
  const std::string_view stored = text.substr(std::min(newline + 1, size));
  vigie::store::NgramFilterReadable(stored);
  vigie::store::NgramFilterMayContain(stored, literal);
  vigie::store::NgramFilterMayContain(stored, literal, /*case_folded=*/true);

  std::vector<std::string_view> lines;
  for (size_t start = 0; start <= size;) {
    const size_t end = std::min(text.find('\n', start), size);
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  vigie::store::NgramFilterBuilder builder;
  for (std::string_view line : lines) builder.AddLine(line);
  const std::string filter = builder.Finish();
  Check(vigie::store::NgramFilterReadable(filter));
  std::string folded;
  for (std::string_view line : lines) {
    vigie::store::CaseFold(line, &folded);
    for (size_t a = 0; a < line.size() && a < 256; ++a) {
      for (size_t len = 4; len <= 24 && a + len <= line.size(); len += 5) {
        Check(vigie::store::NgramFilterMayContain(filter, line.substr(a, len)));
      }
    }
    for (size_t a = 0; a < folded.size() && a < 256; ++a) {
      for (size_t len = 4; len <= 24 && a + len <= folded.size(); len += 5) {
        const std::string_view piece = std::string_view(folded).substr(a, len);
        if (Ascii(piece)) Check(vigie::store::NgramFilterMayContain(filter, piece, true));
      }
    }
  }
  return 0;
}
