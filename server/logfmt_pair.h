// Writes key=value pairs the way logfmt readers (LogQL's | logfmt, Loki's, Go's logfmt) read
// them back, for the log lines vigied writes itself: deploy events and OTLP log attributes.
//
// Thread safety: a pure function.
#pragma once

#include <string>
#include <string_view>

namespace vigie::server {

// Appends `key=value` to *line, after a space unless *line is empty. In the key, a space, '=',
// '"' or control byte becomes '_' (an empty key becomes "_"); the value is quoted with JSON's
// escapes when it is empty or holds a space, '=', '"', '\' or a control byte, and invalid UTF-8
// in a quoted value becomes U+FFFD.
void AppendLogfmtPair(std::string* line, std::string_view key, std::string_view value);

}  // namespace vigie::server
