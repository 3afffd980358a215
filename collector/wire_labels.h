// The identity of a log stream or a series as the collector ships it: a label set with its
// wire form (`repeated Label labels = 1`, the same field in a vigie.v1.Stream and a Series),
// built once and shared by every entry or sample of it. An input keeps the handle of each of its
// streams or series (a file's stream, a scrape target's series cache, a StatsD metric) and hands
// it with every entry or sample, so that neither the input nor the batcher copies or encodes the
// labels again (push_builder.h appends the bytes as they are).
//
// Thread safety: a WireLabels is immutable once made; the handles may be shared across threads.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "common/labels.h"

namespace vigie::collector {

struct WireLabels {
  LabelSet labels;
  std::string wire_labels;  // `repeated Label labels = 1`, encoded with their tags.
};
using StreamRef = std::shared_ptr<const WireLabels>;
using SeriesRef = std::shared_ptr<const WireLabels>;

// vigied refuses label values that are not valid UTF-8, and bounds their size: a value from a
// file name, a syslog header or a scraped target is made valid (invalid bytes become U+FFFD,
// common/utf8.h) and cut at `max_value_bytes` (vigie push: the server's limit, from
// Ingest.Limits). Made with the rest of the wire encoding, in push_builder.cc.
constexpr size_t kMaxLabelValueBytes = 1024;
std::shared_ptr<const WireLabels> MakeWireLabels(LabelSet labels,
                                                 size_t max_value_bytes = kMaxLabelValueBytes);

}  // namespace vigie::collector
