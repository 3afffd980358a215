// Input bounds shared by every entry point (gRPC push, Loki push, queries). The defaults are
// what vigied uses when no flag or config sets them; docs/operations.md lists them.
#pragma once

#include <cstdint>

namespace vigie {

struct Limits {
  // Ingest.
  uint64_t max_line_bytes = 256 * 1024;
  uint32_t max_labels_per_stream = 15;
  uint32_t max_label_name_bytes = 1024;
  uint32_t max_label_value_bytes = 2048;
  uint64_t max_batch_bytes = 16 * 1024 * 1024;
  // Streams one sender may write to within stream_idle_ns (server/stream_budgets.h).
  uint32_t max_streams_per_sender = 10000;
  int64_t stream_idle_ns = 30LL * 60 * 1'000'000'000;
  uint32_t max_senders = 10000;
  // Metric series (gRPC Push series, remote_write, vigied's own metrics). Label name and value
  // lengths are the limits above; a series' labels include __name__.
  uint32_t max_labels_per_series = 30;
  uint64_t max_samples_per_request = 1'000'000;
  // Series one sender may write to within stream_idle_ns (server/stream_budgets.h).
  uint32_t max_series_per_sender = 1'000'000;
  // Entry times accepted: [now - reject_older_than_ns, now + creation_grace_ns]; 0: no lower
  // bound but 1970 (vigied sets it from --retention unless --reject-older-than is given).
  int64_t reject_older_than_ns = 0;
  int64_t creation_grace_ns = 10LL * 60 * 1'000'000'000;
  // Bytes held by requests in flight, received and decompressed, over HTTP and gRPC together.
  uint64_t max_inflight_request_bytes = 256 * 1024 * 1024;
  // How many times its size a compressed HTTP body may inflate to (at least 1 MiB).
  uint32_t max_decompression_ratio = 100;
  // Queries.
  uint32_t max_query_bytes = 64 * 1024;
  uint32_t max_regex_program_size = 5000;
  // What one query text multiplies: every scanned line goes through each line filter, every
  // stream through each matcher.
  uint32_t max_line_filters_per_query = 64;
  uint32_t max_matchers_per_query = 64;
  int64_t max_query_range_ns = 31LL * 86400 * 1'000'000'000;
  uint32_t max_entries_per_query = 50000;
  uint32_t default_entries_per_query = 100;
  uint32_t max_series_per_query = 5000;
  uint32_t max_points_per_series = 11000;
  int64_t query_timeout_ns = 60LL * 1'000'000'000;
};

}  // namespace vigie
