// Bearer tokens with scopes. With no token configured every request is allowed (vigied then
// refuses to listen beyond loopback unless --insecure is given: see config.h).
//
// Thread safety: immutable after construction.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace vigie::server {

enum class Scope { kIngest, kQuery, kAdmin };

struct TokenGrant {
  std::string token;
  std::vector<Scope> scopes;  // kAdmin grants every scope.
};

// Parses "ingest", "query" or "admin".
bool ParseScope(std::string_view name, Scope* scope);

class Authorizer {
 public:
  explicit Authorizer(std::vector<TokenGrant> grants) : grants_(std::move(grants)) {}
  bool enabled() const { return !grants_.empty(); }
  // `authorization` is the Authorization header or metadata value ("Bearer <token>").
  // Unauthenticated when missing or unknown; PermissionDenied when the token lacks `scope`.
  absl::Status Check(std::string_view authorization, Scope scope) const;

 private:
  std::vector<TokenGrant> grants_;
};

}  // namespace vigie::server
