// Command-line flag helpers shared by the binaries (CLI11): duration flags written as "30d" or
// "1h30m", and parse errors that name the flag and say what to do next.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace vigie {

// Adds `name`, a duration written as ParseDuration reads it, stored in `*nanos` as nanoseconds.
// Its current value is shown in --help as the default; a bad value fails the parse with
// "<name>: duration "5x": expected a unit ...".
CLI::Option* AddDurationOption(CLI::App* app, const std::string& name, int64_t* nanos,
                               const std::string& description);

// The message for a failed parse of `program`'s flags: CLI11's, with "Could not convert"
// rewritten to name the flag and the value, and a last line saying where the flags are listed.
std::string FlagErrorMessage(const CLI::ParseError& error, std::string_view program);

}  // namespace vigie
