#include "cli/client.h"

#include <fstream>
#include <iostream>

#include "common/limits.h"
#include "query/logql/parser.h"

namespace vigie::cli {

std::shared_ptr<grpc::Channel> Connect(const ClientOptions& options) {
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (options.tls) {
    grpc::SslCredentialsOptions ssl;
    if (!options.ca_file.empty()) {
      std::ifstream in(options.ca_file);
      ssl.pem_root_certs.assign(std::istreambuf_iterator<char>(in), {});
    }
    credentials = grpc::SslCredentials(ssl);
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  return grpc::CreateCustomChannel(options.server, credentials, args);
}

std::unique_ptr<grpc::ClientContext> NewContext(const ClientOptions& options, int timeout_s) {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!options.token.empty()) context->AddMetadata("authorization", "Bearer " + options.token);
  if (timeout_s > 0) {
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(timeout_s));
  }
  return context;
}

int ReportRpcError(const ClientOptions& options, const grpc::Status& status) {
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      std::cerr << "vigie: cannot reach vigied at " << options.server << " ("
                << status.error_message()
                << "). Is vigied running? Start it with `vigied`, or point --server at it.\n";
      break;
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
      std::cerr << "vigie: refused by vigied: " << status.error_message()
                << ". Pass a token with the right scope: --token or $VIGIE_TOKEN.\n";
      break;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      std::cerr << "vigie: vigied did not answer in time: " << status.error_message() << "\n";
      break;
    default:
      std::cerr << "vigie: " << status.error_message() << "\n";
  }
  return 1;
}

bool CheckQuerySyntax(const std::string& query) {
  auto parsed = logql::Parse(query, Limits());
  if (parsed.ok()) return true;
  std::cerr << "vigie: invalid query\n  " << query << "\n";
  if (auto offset = logql::ErrorOffset(parsed.status())) {
    // Tabs keep their width so that the caret lines up.
    std::string pad;
    for (size_t i = 0; i < *offset && i < query.size(); ++i) pad += query[i] == '\t' ? '\t' : ' ';
    std::cerr << "  " << pad << "^\n";
  }
  std::cerr << parsed.status().message() << "\n";
  return false;
}

}  // namespace vigie::cli
