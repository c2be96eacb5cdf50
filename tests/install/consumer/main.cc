// Embeds librmqstore: open a store, put one message, read it back.
#include <iostream>

#include "rmq/commitlog/record.h"
#include "rmq/store.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " STORE_DIR\n";
    return 2;
  }
  rmq::StoreConfig config;
  config.store_path_root_dir = argv[1];
  config.mapped_file_size_commit_log = 1 << 20;  // small files for a demo
  config.max_hash_slot_num = 1000;
  config.max_index_num = 4000;
  auto store = rmq::MessageStore::Open(config);
  if (!store.ok()) {
    std::cerr << store.status() << "\n";
    return 1;
  }

  rmq::MessageToStore message;
  message.topic = "DemoTopic";
  message.queue_id = 0;
  message.body = "hello, rmq";
  message.properties.Set(rmq::kPropertyTags, "TagA");
  auto put = (*store)->Put(message);
  if (!put.ok()) {
    std::cerr << put.status() << "\n";
    return 1;
  }

  auto got = (*store)->Get({.topic = "DemoTopic",
                            .queue_id = rmq::QueueId(0),
                            .offset = put->queue_offset});
  if (!got.ok() || got->records.size() != 1) {
    std::cerr << "message not found\n";
    return 1;
  }
  auto record = rmq::DecodeRecord(got->records[0].bytes);
  if (!record.ok() || record->body != message.body) {
    std::cerr << "message read back differs\n";
    return 1;
  }
  if (!(*store)->Shutdown().ok()) return 1;
  std::cout << "OK " << put->msg_id() << " " << record->body << "\n";
  return 0;
}
