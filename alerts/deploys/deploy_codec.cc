#include "alerts/deploys/deploy_codec.h"

#include "absl/random/distributions.h"
#include "common/strings.h"
#include "common/varint.h"

namespace vigie::alerts::deploys {
namespace {

constexpr uint8_t kFormatVersion = 1;

// The string fields of a deploy, in their order in the value.
template <typename D, typename F>
void ForEachString(D& deploy, F&& f) {
  for (auto* field : {&deploy.id, &deploy.service, &deploy.environment, &deploy.version,
                      &deploy.commit, &deploy.author, &deploy.description, &deploy.url}) {
    f(*field);
  }
}

absl::Status Corrupt(std::string_view what) {
  return absl::DataLossError(StrCat("deploy record is corrupt: ", what));
}

}  // namespace

std::string TimeKey(int64_t time_ms) {
  std::string key;
  PutBigEndian64(&key, OrderedFromSigned(time_ms));
  return key;
}

std::string DeployKey(const Deploy& deploy) { return TimeKey(deploy.time_ms) + deploy.id; }

std::string EncodeDeploy(const Deploy& deploy) {
  std::string out(1, static_cast<char>(kFormatVersion));
  ForEachString(deploy, [&](const std::string& s) {
    PutVarint(&out, s.size());
    out += s;
  });
  PutVarint(&out, ZigZag(deploy.time_ms));
  out.push_back(deploy.end_ms ? 1 : 0);
  if (deploy.end_ms) PutVarint(&out, ZigZag(*deploy.end_ms));
  return out;
}

absl::StatusOr<Deploy> DecodeDeploy(std::string_view in) {
  if (in.empty() || static_cast<uint8_t>(in[0]) != kFormatVersion) {
    return Corrupt("unknown format version");
  }
  in.remove_prefix(1);
  Deploy deploy;
  bool ok = true;
  ForEachString(deploy, [&](std::string& s) {
    uint64_t size = 0;
    if (!ok || !GetVarint(&in, &size) || size > in.size()) {
      ok = false;
      return;
    }
    s.assign(in.substr(0, size));
    in.remove_prefix(size);
  });
  uint64_t time = 0;
  if (!ok || !GetVarint(&in, &time) || in.empty()) return Corrupt("truncated");
  deploy.time_ms = UnZigZag(time);
  char has_end = in[0];
  in.remove_prefix(1);
  if (has_end == 1) {
    uint64_t end = 0;
    if (!GetVarint(&in, &end)) return Corrupt("truncated end");
    deploy.end_ms = UnZigZag(end);
  } else if (has_end != 0) {
    return Corrupt("bad end flag");
  }
  if (!in.empty()) return Corrupt("trailing bytes");
  return deploy;
}

std::string NewDeployId(int64_t time_ms, absl::BitGenRef random) {
  static constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  using u128 = unsigned __int128;
  u128 bits = (u128{static_cast<uint64_t>(time_ms) & ((1ULL << 48) - 1)} << 80) |
              (u128{absl::Uniform<uint16_t>(random)} << 64) | absl::Uniform<uint64_t>(random);
  std::string id(26, '0');
  for (int i = 25; i >= 0; --i, bits >>= 5) id[i] = kCrockford[static_cast<int>(bits & 31)];
  return id;
}

}  // namespace vigie::alerts::deploys
