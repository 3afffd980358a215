// The lexical level of re2's syntax, for RequiredLiteral(): where an escape, a bracketed class
// or a character ends, and whether it stands for one known character. Internal to vigie_logql.
// Anything these functions do not model is reported as kBad so that the caller gives up rather
// than guess.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace vigie::logql::internal {

enum class ReItem {
  kChar,   // One known character, stored in *ch (UTF-8).
  kSet,    // One character out of several (\d, \pL, [a-z], \x41 which is not decoded).
  kEmpty,  // A zero-width assertion (\b \B \A \z).
  kBad,    // Not modelled, or malformed.
};

// Reads the UTF-8 character at p[*pos] (one byte if it is malformed) and advances past it.
std::string ScanChar(std::string_view p, size_t* pos);

// Reads the escape whose backslash is at p[*pos] and advances past it. Inside a class
// (`in_class`) zero-width assertions are kBad, as re2 rejects them there.
ReItem ScanEscape(std::string_view p, size_t* pos, bool in_class, std::string* ch);

// Reads the bracketed class starting at p[*pos] == '[' and advances past its ']'. kChar when it
// is not negated and holds exactly one literal character ([.] is a common way to write a dot).
ReItem ScanClass(std::string_view p, size_t* pos, std::string* ch);

}  // namespace vigie::logql::internal
