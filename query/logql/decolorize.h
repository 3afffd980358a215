// `| decolorize`: removes ANSI terminal escape sequences (colours, cursor moves) from log lines.
//
// Thread safety: a pure function.
#pragma once

#include <string>
#include <string_view>

namespace vigie::logql {

// The line without its ANSI escape sequences: those Loki removes, i.e. matches of the pattern of
// github.com/acarl005/stripansi (ESC or the one-character CSI U+009B, then parameters and a
// final byte, or an OSC-style run ending in BEL). Returns `line` itself when it has none, and a
// view of *buffer otherwise.
std::string_view Decolorize(std::string_view line, std::string* buffer);

}  // namespace vigie::logql
