// What every vigie subcommand shares: the connection to vigied and the way errors are shown.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

namespace vigie::cli {

struct ClientOptions {
  std::string server = "127.0.0.1:4317";
  std::string token;  // Sent as "authorization: Bearer <token>"; $VIGIE_TOKEN by default.
  bool tls = false;
  std::string ca_file;  // PEM roots for --tls; the system's when empty.
};

std::shared_ptr<grpc::Channel> Connect(const ClientOptions& options);
// A context carrying the token (and a deadline when timeout_s > 0).
std::unique_ptr<grpc::ClientContext> NewContext(const ClientOptions& options, int timeout_s = 0);

// Prints a failed call as a sentence that says what to do next; returns the exit code (1).
int ReportRpcError(const ClientOptions& options, const grpc::Status& status);

// Parses `query` locally so that a syntax error is shown with a caret under its position.
// Returns false (after printing) when the query is invalid.
bool CheckQuerySyntax(const std::string& query);

}  // namespace vigie::cli
