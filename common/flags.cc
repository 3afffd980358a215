#include "common/flags.h"

#include "common/strings.h"
#include "common/time.h"

namespace vigie {

CLI::Option* AddDurationOption(CLI::App* app, const std::string& name, int64_t* nanos,
                               const std::string& description) {
  CLI::Validator duration(
      [](std::string& text) {
        absl::StatusOr<int64_t> parsed = ParseDuration(text);
        return parsed.ok() ? std::string() : std::string(parsed.status().message());
      },
      "");  // No description: the type name says it.
  return app
      ->add_option_function<std::string>(
          name, [nanos](const std::string& text) { *nanos = *ParseDuration(text); }, description)
      ->check(duration)
      ->type_name("DURATION")
      ->default_str(FormatDuration(*nanos));
}

std::string FlagErrorMessage(const CLI::ParseError& error, std::string_view program) {
  std::string message = error.what();
  // CLI11 says "Could not convert: --query-threads = x" for a value of the wrong type.
  constexpr std::string_view kConvert = "Could not convert: ";
  if (message.starts_with(kConvert)) {
    std::string rest = message.substr(kConvert.size());
    size_t equals = rest.find(" = ");
    if (equals != std::string::npos) {
      message = StrCat(rest.substr(0, equals), ": \"", rest.substr(equals + 3),
                       "\" is not a valid value (a whole number is expected)");
    }
  }
  return StrCat(message, "\nRun '", program, " --help' for the flags, their values and defaults.");
}

}  // namespace vigie
