// RecordStore on the store's RocksDB: one column family per record space.
#include "rocksdb/write_batch.h"
#include "store/rocks_store.h"

namespace vigie::store {
namespace {

int FamilyOf(RecordSpace space) { return RocksStore::kEvents + static_cast<int>(space); }

}  // namespace

absl::Status RocksStore::WriteRecords(std::span<const RecordWrite> writes) {
  rocksdb::WriteBatch batch;
  for (const RecordWrite& w : writes) {
    rocksdb::ColumnFamilyHandle* family = families_[FamilyOf(w.space)];
    rocksdb::Status s = w.value ? batch.Put(family, w.key, *w.value) : batch.Delete(family, w.key);
    if (!s.ok()) return FromRocks(s, "writing records");
  }
  rocksdb::WriteOptions sync;
  sync.sync = true;
  return FromRocks(db_->Write(sync, &batch), "writing records");
}

absl::StatusOr<std::optional<std::string>> RocksStore::GetRecord(RecordSpace space,
                                                                 std::string_view key) const {
  std::string value;
  rocksdb::Status s = db_->Get({}, families_[FamilyOf(space)], key, &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s, "reading a record");
  return std::optional<std::string>(std::move(value));
}

absl::Status RocksStore::ScanRecords(RecordSpace space, std::string_view from, std::string_view to,
                                     const RecordVisitor& visit) const {
  rocksdb::ReadOptions options;
  rocksdb::Slice upper(to.data(), to.size());
  if (!to.empty()) options.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options, families_[FamilyOf(space)]));
  for (it->Seek(rocksdb::Slice(from.data(), from.size())); it->Valid(); it->Next()) {
    if (!visit(it->key().ToStringView(), it->value().ToStringView())) break;
  }
  return FromRocks(it->status(), "reading records");
}

absl::Status RocksStore::DeleteRecordRange(RecordSpace space, std::string_view from,
                                           std::string_view to) {
  rocksdb::WriteBatch batch;
  rocksdb::ColumnFamilyHandle* family = families_[FamilyOf(space)];
  if (auto st = FromRocks(batch.DeleteRange(family, rocksdb::Slice(from.data(), from.size()),
                                            rocksdb::Slice(to.data(), to.size())),
                          "deleting records");
      !st.ok()) {
    return st;
  }
  rocksdb::WriteOptions sync;
  sync.sync = true;
  return FromRocks(db_->Write(sync, &batch), "deleting records");
}

}  // namespace vigie::store
