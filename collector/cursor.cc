#include "collector/cursor.h"

#include "common/varint.h"

namespace vigie::collector {

void EncodeCursor(const FileCursor& cursor, std::string* out) {
  PutVarint(out, cursor.key.dev);
  PutVarint(out, cursor.key.ino);
  PutVarint(out, cursor.offset);
  PutVarint(out, cursor.fingerprint.len);
  PutBigEndian64(out, cursor.fingerprint.hash);
  PutVarint(out, cursor.path.size());
  out->append(cursor.path);
  out->push_back(cursor.forget ? 1 : 0);
}

bool DecodeCursor(std::string_view* in, FileCursor* cursor) {
  uint64_t fp_len = 0, path_len = 0;
  if (!GetVarint(in, &cursor->key.dev) || !GetVarint(in, &cursor->key.ino) ||
      !GetVarint(in, &cursor->offset) || !GetVarint(in, &fp_len) ||
      fp_len > Fingerprint::kMaxBytes || in->size() < 8) {
    return false;
  }
  cursor->fingerprint.len = static_cast<uint32_t>(fp_len);
  cursor->fingerprint.hash = GetBigEndian64(in->data());
  in->remove_prefix(8);
  // The path and the forget byte; not `path_len + 1`, which a corrupt length wraps to 0.
  if (!GetVarint(in, &path_len) || path_len >= in->size()) return false;
  cursor->path.assign(in->substr(0, path_len));
  in->remove_prefix(path_len);
  cursor->forget = (*in)[0] != 0;
  in->remove_prefix(1);
  return true;
}

}  // namespace vigie::collector
