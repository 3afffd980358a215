#include "tests/collector/query_client.h"

#include <grpcpp/grpcpp.h>

#include "vigie/v1/query.grpc.pb.h"

namespace vigie::collector::testing {

namespace {

constexpr uint32_t kPage = 20000;

absl::Status Page(v1::Query::Stub* stub, const std::string& query, int64_t start_ns, int64_t end_ns,
                  const std::string& token, std::vector<QueriedEntry>* out) {
  grpc::ClientContext context;
  if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  v1::GrepRequest request;
  request.set_query(query);
  request.set_start_ns(start_ns);
  request.set_end_ns(end_ns);
  request.set_limit(kPage);
  request.set_direction(v1::FORWARD);
  auto reader = stub->Grep(&context, request);
  v1::GrepResponse response;
  while (reader->Read(&response)) {
    for (const v1::LabeledEntry& e : response.entries()) {
      QueriedEntry& q = out->emplace_back();
      for (const v1::Label& l : e.labels()) q.labels[l.name()] = l.value();
      q.ts_ns = e.entry().ts_ns();
      q.line = e.entry().line();
    }
  }
  grpc::Status status = reader->Finish();
  if (!status.ok()) return absl::UnavailableError("grep: " + status.error_message());
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<QueriedEntry>> GrepAll(const std::string& address,
                                                  const std::string& query, int64_t start_ns,
                                                  int64_t end_ns, const std::string& token,
                                                  const std::string& ca_pem) {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ca_pem;
  auto stub = v1::Query::NewStub(grpc::CreateChannel(
      address, ca_pem.empty() ? grpc::InsecureChannelCredentials() : grpc::SslCredentials(ssl)));
  std::vector<QueriedEntry> all;
  size_t seen_at_start = 0;  // Entries at `start_ns` already taken from the previous page.
  while (true) {
    std::vector<QueriedEntry> page;
    if (absl::Status s = Page(stub.get(), query, start_ns, end_ns, token, &page); !s.ok()) {
      return s;
    }
    size_t skip = 0;
    while (skip < page.size() && skip < seen_at_start && page[skip].ts_ns == start_ns) ++skip;
    all.insert(all.end(), std::make_move_iterator(page.begin() + skip),
               std::make_move_iterator(page.end()));
    if (page.size() < kPage) return all;
    int64_t last = page.back().ts_ns;
    size_t at_last = 0;
    for (auto it = all.rbegin(); it != all.rend() && it->ts_ns == last; ++it) ++at_last;
    if (at_last == page.size() - skip && last == start_ns) {
      return absl::InternalError("more entries share one timestamp than a page holds");
    }
    start_ns = last;
    seen_at_start = at_last;
  }
}

}  // namespace vigie::collector::testing
