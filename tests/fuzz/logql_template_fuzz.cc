// Fuzzes line_format/label_format templates: the input's first line is the template, the rest
// the log line it renders, with labels taken from the line's words. Beyond "no crash, no hang":
// errors name a position, output stays under its bound, and rendering twice gives the same text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "query/logql/template.h"
#include "tests/query/map_template_data.h"

namespace {

void Check(bool ok) {
  if (!ok) abort();
}

// Labels l0, l1, ... from the first words of the line.
vigie::logql::MapTemplateData WordData(std::string_view line) {
  vigie::logql::MapTemplateData::Labels labels;
  size_t i = 0;
  for (size_t start = 0; start < line.size() && i < 8; ++i) {
    size_t end = std::min(line.find(' ', start), line.size());
    labels["l" + std::to_string(i)] = std::string(line.substr(start, end - start));
    start = end + 1;
  }
  return vigie::logql::MapTemplateData(std::move(labels), std::string(line),
                                       static_cast<int64_t>(line.size()) << 40);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  size_t newline = std::min(text.find('\n'), text.size());
  absl::StatusOr<vigie::logql::Template> t = vigie::logql::Template::Parse(text.substr(0, newline));
  if (!t.ok()) {
    Check(t.status().message().find("template: line ") == 0);
    return 0;
  }
  vigie::logql::MapTemplateData input =
      WordData(newline < size ? text.substr(newline + 1) : std::string_view());
  std::string first, second;
  absl::Status s = t->Render(input, &first);
  // A failed render may leave partial output; the bound holds either way (a little slack for
  // the last value appended before the check).
  Check(first.size() <= (3u << 20));
  if (s.ok()) {
    Check(t->Render(input, &second).ok() || t->text().find("now") != std::string::npos);
    Check(first == second || t->text().find("now") != std::string::npos);
  }
  return 0;
}
