// The --label flags of vigie push, checked before anything is sent (docs/cli.md, "Labels").
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/labels.h"
#include "vigie/v1/ingest.pb.h"

namespace vigie::cli {

// Parses name=value flags: a valid name not starting with __, a non-empty, unquoted, UTF-8
// value, no name twice. Prints what is wrong and returns nullopt otherwise.
std::optional<std::vector<Label>> ParseLabels(const std::vector<std::string>& flags);

// The labels, and `added` more (file), against vigied's limits; prints what is over and
// returns false.
bool LabelsFit(const std::vector<Label>& labels, size_t added, const v1::IngestLimits& limits);

}  // namespace vigie::cli
