// UTF-8 checks shared by every entry point. Label names and values must be UTF-8 (vigied refuses
// a stream whose labels are not, naming the label); log lines are bytes and are never altered.
// Clients that make a label from bytes they do not control (a file name, a syslog header)
// replace what is not UTF-8 with U+FFFD before sending (docs/protocols.md, "Text and UTF-8").
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace vigie {

// Length of the valid, shortest-form UTF-8 sequence (no surrogates, at most U+10FFFF) at the
// start of `s`, or 0 when `s` is empty or does not start with one.
size_t Utf8SequenceLength(std::string_view s);

// Offset of the first byte of `s` that is not part of a valid UTF-8 sequence, or npos.
size_t InvalidUtf8Offset(std::string_view s);
inline bool IsValidUtf8(std::string_view s) { return InvalidUtf8Offset(s) == std::string::npos; }

// `text` with each byte that is not part of a valid UTF-8 sequence replaced by U+FFFD, cut at
// `max_bytes` on a character boundary.
std::string ValidUtf8(std::string_view text, size_t max_bytes = std::string::npos);

// `text` made fit to quote in an error message: bytes that are not valid UTF-8 and control
// characters become \xNN escapes (and \\, \" are escaped), cut after `max_bytes` of input with
// "..." so that a huge value cannot flood a message.
std::string EscapeForMessage(std::string_view text, size_t max_bytes = 64);

// Appends the UTF-8 encoding of `cp` (at most U+10FFFF; the caller checks surrogates).
void AppendUtf8(uint32_t cp, std::string* out);

}  // namespace vigie
