// absl::Status::message() is an absl::string_view, a distinct type from std::string_view in
// Debian's abseil build; this gives it as a std::string_view.
#pragma once

#include <string_view>

#include "absl/status/status.h"

namespace vigie::server::http {

inline std::string_view StatusMessage(const absl::Status& status) {
  return {status.message().data(), status.message().size()};
}

}  // namespace vigie::server::http
