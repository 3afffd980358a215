// A protobuf message together with the arena its parts are allocated in. A Push request (a
// StatsD flush, a scrape) or a Grep answer holds thousands of sub-messages and strings: in an
// arena they are allocated by bumping a pointer and freed at once with the message, instead of
// one by one (glibc's malloc and free of them were a fifth to a third of vigied's CPU on those
// paths: bench/RESULTS.md).
//
// Movable, not copyable; a moved-from ArenaMessage must only be assigned to or destroyed.
// Thread safety: as the message's.
#pragma once

#include <google/protobuf/arena.h>

#include <memory>

namespace vigie::server {

template <typename Message>
class ArenaMessage {
 public:
  ArenaMessage()
      : arena_(std::make_unique<google::protobuf::Arena>()),
        message_(google::protobuf::Arena::CreateMessage<Message>(arena_.get())) {}

  Message* get() const { return message_; }
  Message& operator*() const { return *message_; }
  Message* operator->() const { return message_; }

 private:
  std::unique_ptr<google::protobuf::Arena> arena_;
  Message* message_;  // Owned by arena_.
};

}  // namespace vigie::server
