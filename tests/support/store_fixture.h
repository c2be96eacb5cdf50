#pragma once
// Helpers for store tests: a small-file configuration and message builders.

#include <memory>
#include <string>
#include <string_view>

#include "rmq/commitlog/record.h"
#include "rmq/io/mem_file_system.h"
#include "rmq/store.h"

namespace rmq::testing {

// 64 KiB segments, 6000-byte CQ files, a 1000-slot index: every code path
// (rolls, blanks, CQ files, index) is reached with a few hundred messages.
StoreConfig SmallStoreConfig(std::shared_ptr<FileSystem> fs,
                             std::string root = "store");

MessageToStore Message(std::string topic, int32_t queue, std::string body,
                       std::string tags = "", std::string keys = "");

// Decodes a record the test knows is valid (fails the test otherwise).
RecordView Decode(std::span<const std::byte> bytes);

// Opens the store, failing the test with the status when it cannot.
std::unique_ptr<MessageStore> MustOpen(const StoreConfig& config);

}  // namespace rmq::testing
