#include "query/gotemplate/methods.h"

#include "common/strings.h"

namespace vigie::gotemplate {
namespace {

absl::Status WantArgs(std::string_view name, const std::vector<Value>& args, size_t n) {
  if (args.size() == n) return absl::OkStatus();
  return absl::InvalidArgumentError(
      StrCat("wrong number of args for ", name, ": want ", n, " got ", args.size()));
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

}  // namespace

absl::StatusOr<Value> CallMethod(const Value& receiver, std::string_view name,
                                 const std::vector<Value>& args) {
  const int64_t ns = receiver.i;
  if (name == "Format") {
    if (absl::Status s = WantArgs(name, args, 1); !s.ok()) return s;
    if (args[0].type != Value::Type::kString) {
      return absl::InvalidArgumentError("wrong type for value; expected string");
    }
    return Value::String(FormatTime(args[0].str, ns));
  }
  struct Niladic {
    std::string_view name;
    Value value;
  };
  const Niladic kNiladic[] = {
      {"Unix", Value::Int(FloorDiv(ns, 1000000000))},
      {"UnixMilli", Value::Int(FloorDiv(ns, 1000000))},
      {"UnixNano", Value::Int(ns)},
      {"UTC", receiver},
      {"String", Value::String(TimeString(ns))},
  };
  for (const Niladic& m : kNiladic) {
    if (m.name != name) continue;
    if (absl::Status s = WantArgs(name, args, 0); !s.ok()) return s;
    return m.value;
  }
  return absl::InvalidArgumentError(StrCat("can't evaluate field ", name, " in type time.Time"));
}

}  // namespace vigie::gotemplate
