#include "server/auth.h"

#include <algorithm>

#include "common/strings.h"

namespace vigie::server {

namespace {

constexpr std::string_view kScopeNames[] = {"ingest", "query", "admin"};

// Compares in time independent of where the strings first differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

bool ParseScope(std::string_view name, Scope* scope) {
  for (size_t i = 0; i < std::size(kScopeNames); ++i) {
    if (name == kScopeNames[i]) {
      *scope = static_cast<Scope>(i);
      return true;
    }
  }
  return false;
}

absl::Status Authorizer::Check(std::string_view authorization, Scope scope) const {
  if (!enabled()) return absl::OkStatus();
  // The scheme is case-insensitive (RFC 7235): "bearer xyz" is accepted.
  constexpr std::string_view kBearer = "Bearer ";
  if (!StartsWithIgnoreCase(authorization, kBearer)) {
    return absl::UnauthenticatedError(
        "missing bearer token: send the header \"Authorization: Bearer <token>\" (vigie --token)");
  }
  std::string_view token = authorization.substr(kBearer.size());
  for (const TokenGrant& grant : grants_) {
    if (!ConstantTimeEquals(grant.token, token)) continue;
    bool allowed = std::any_of(grant.scopes.begin(), grant.scopes.end(),
                               [&](Scope s) { return s == scope || s == Scope::kAdmin; });
    if (allowed) return absl::OkStatus();
    return absl::PermissionDeniedError(
        StrCat("this token lacks the \"", kScopeNames[static_cast<int>(scope)], "\" scope"));
  }
  return absl::UnauthenticatedError("unknown bearer token");
}

}  // namespace vigie::server
