#include "rmq/store_config.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "support/status_matchers.h"

namespace rmq {
namespace {

using ::rmq::testing::StatusIs;

PropertiesFile MustParse(std::string_view text,
                         std::string source = "broker.properties") {
  absl::StatusOr<PropertiesFile> file =
      PropertiesFile::Parse(text, std::move(source));
  INFO(file.status().ToString());
  REQUIRE(file.ok());
  return *std::move(file);
}

StoreConfig MustApply(std::string_view text) {
  const PropertiesFile file = MustParse(text);
  StoreConfig config;
  REQUIRE_OK(ApplyStoreProperties(file, &config, nullptr));
  return config;
}

// The message of the error applying `text` to a default config.
std::string ApplyError(std::string_view text) {
  const PropertiesFile file = MustParse(text);
  StoreConfig config;
  const absl::Status status = ApplyStoreProperties(file, &config, nullptr);
  INFO(text);
  REQUIRE_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  return std::string(status.message());
}

std::vector<std::string> Keys(const std::vector<const PropertyEntry*>& list) {
  std::vector<std::string> keys;
  for (const PropertyEntry* entry : list) keys.push_back(entry->key);
  return keys;
}

TEST_CASE("StoreConfig: defaults validate and derive RocketMQ's paths") {
  StoreConfig config;
  REQUIRE_OK(config.Validate());
  config.store_path_root_dir = "/data/store";
  CHECK(config.CommitLogDir() == "/data/store/commitlog");
  CHECK(config.ConsumeQueueDir() == "/data/store/consumequeue");
  CHECK(config.IndexDir() == "/data/store/index");
  CHECK(config.CheckpointPath() == "/data/store/checkpoint");
  CHECK(config.AbortPath() == "/data/store/abort");
  CHECK(config.LockPath() == "/data/store/lock");
  CHECK(config.ConfigDir() == "/data/store/config");
  config.store_path_commit_log = "/fast/commitlog";
  CHECK(config.CommitLogDir() == "/fast/commitlog");
  CHECK(config.IndexDir() == "/data/store/index");
}

TEST_CASE("StoreConfig: every typed key is applied") {
  const StoreConfig c = MustApply(
      "storePathRootDir=/data/store\n"
      "storePathCommitLog=/fast/commitlog\n"
      "mappedFileSizeCommitLog=65536\n"
      "mappedFileSizeConsumeQueue=6000\n"
      "maxHashSlotNum=1000\n"
      "maxIndexNum=4000\n"
      "flushDiskType=SYNC_FLUSH\n"
      "flushIntervalCommitLog=501\n"
      "flushCommitLogTimed=false\n"
      "flushCommitLogLeastPages=5\n"
      "flushCommitLogThoroughInterval=10001\n"
      "commitIntervalCommitLog=201\n"
      "commitCommitLogLeastPages=6\n"
      "commitCommitLogThoroughInterval=202\n"
      "flushIntervalConsumeQueue=1001\n"
      "flushConsumeQueueLeastPages=3\n"
      "flushConsumeQueueThoroughInterval=60001\n"
      "syncFlushTimeout=5001\n"
      "transientStorePoolEnable=TRUE\n"
      "maxMessageSize=1048576\n"
      "brokerRole=SLAVE\n"
      "brokerIP1=192.168.0.1\n"
      "listenPort=10921\n"
      "maxTransferBytesOnMessageInMemory=1000\n"
      "maxTransferCountOnMessageInMemory=33\n"
      "maxTransferBytesOnMessageInDisk=2000\n"
      "maxTransferCountOnMessageInDisk=9\n"
      "accessMessageInMemoryMaxRatio=30\n"
      "messageIndexEnable=False\n"
      "messageIndexSafe=true\n"
      "maxMsgsNumBatch=65\n"
      "checkCRCOnRecover=false\n"
      "messageDelayLevel=1s 2m 3h 4d\n"
      "deleteWhen=01;13\n"
      "fileReservedTime=48\n"
      "diskMaxUsedSpaceRatio=80\n"
      "cleanFileForciblyEnable=false\n"
      "rmqMaxMappedConsumeQueueFiles=128\n"
      "rmqConsumeQueueAllocateAhead=8192\n"
      "rmqWriteBufferBytes=1048576\n");
  CHECK(c.store_path_root_dir == "/data/store");
  CHECK(c.store_path_commit_log == "/fast/commitlog");
  CHECK(c.mapped_file_size_commit_log == 65536);
  CHECK(c.mapped_file_size_consume_queue == 6000);
  CHECK(c.max_hash_slot_num == 1000);
  CHECK(c.max_index_num == 4000);
  CHECK(c.flush_disk_type == FlushDiskType::kSyncFlush);
  CHECK(c.flush_interval_commit_log == 501);
  CHECK(c.flush_commit_log_timed == false);
  CHECK(c.flush_commit_log_least_pages == 5);
  CHECK(c.flush_commit_log_thorough_interval == 10001);
  CHECK(c.commit_interval_commit_log == 201);
  CHECK(c.commit_commit_log_least_pages == 6);
  CHECK(c.commit_commit_log_thorough_interval == 202);
  CHECK(c.flush_interval_consume_queue == 1001);
  CHECK(c.flush_consume_queue_least_pages == 3);
  CHECK(c.flush_consume_queue_thorough_interval == 60001);
  CHECK(c.sync_flush_timeout == 5001);
  CHECK(c.transient_store_pool_enable == true);
  CHECK(c.max_message_size == 1048576);
  CHECK(c.broker_role == BrokerRole::kSlave);
  CHECK(c.store_host == HostAddress::V4(192, 168, 0, 1, 10921));
  CHECK(c.max_transfer_bytes_on_message_in_memory == 1000);
  CHECK(c.max_transfer_count_on_message_in_memory == 33);
  CHECK(c.max_transfer_bytes_on_message_in_disk == 2000);
  CHECK(c.max_transfer_count_on_message_in_disk == 9);
  CHECK(c.access_message_in_memory_max_ratio == 30);
  CHECK(c.message_index_enable == false);
  CHECK(c.message_index_safe == true);
  CHECK(c.max_msgs_num_batch == 65);
  CHECK(c.check_crc_on_recover == false);
  CHECK(c.message_delay_level == "1s 2m 3h 4d");
  CHECK(c.delete_when == "01;13");
  CHECK(c.file_reserved_time == 48);
  CHECK(c.disk_max_used_space_ratio == 80);
  CHECK(c.clean_file_forcibly_enable == false);
  CHECK(c.max_mapped_consume_queue_files == 128);
  CHECK(c.consume_queue_allocate_ahead == 8192);
  CHECK(c.write_buffer_bytes == 1048576);
  REQUIRE_OK(c.Validate());
  const absl::StatusOr<std::vector<int64_t>> levels = c.DelayLevelsMs();
  REQUIRE_OK(levels);
  CHECK(*levels == std::vector<int64_t>{1000, 120000, 10800000, 345600000});
}

TEST_CASE("StoreConfig: the other enum constants") {
  CHECK(MustApply("flushDiskType=ASYNC_FLUSH\n").flush_disk_type ==
        FlushDiskType::kAsyncFlush);
  CHECK(MustApply("brokerRole=SYNC_MASTER\n").broker_role ==
        BrokerRole::kSyncMaster);
  CHECK(MustApply("brokerRole=ASYNC_MASTER\n").broker_role ==
        BrokerRole::kAsyncMaster);
}

TEST_CASE("StoreConfig: legacy 'maped' key spellings are accepted") {
  const StoreConfig c = MustApply(
      "mapedFileSizeCommitLog=131072\n"
      "mapedFileSizeConsumeQueue=600\n");
  CHECK(c.mapped_file_size_commit_log == 131072);
  CHECK(c.mapped_file_size_consume_queue == 600);
}

TEST_CASE("StoreConfig: consume-queue file size is rounded up to 20") {
  CHECK(MustApply("mappedFileSizeConsumeQueue=6000001\n")
            .mapped_file_size_consume_queue == 6000020);
  CHECK(MustApply("mappedFileSizeConsumeQueue=1\n")
            .mapped_file_size_consume_queue == 20);
  CHECK(MustApply("mappedFileSizeConsumeQueue=40\n")
            .mapped_file_size_consume_queue == 40);
  // Validate itself accepts any positive size (set from code).
  StoreConfig config;
  config.mapped_file_size_consume_queue = 33;
  CHECK_OK(config.Validate());
}

TEST_CASE("StoreConfig: disk ratio is clamped to 10..95 like RocketMQ") {
  CHECK(MustApply("diskMaxUsedSpaceRatio=5\n").disk_max_used_space_ratio == 10);
  CHECK(MustApply("diskMaxUsedSpaceRatio=99\n").disk_max_used_space_ratio ==
        95);
  CHECK(MustApply("diskMaxUsedSpaceRatio=-1\n").disk_max_used_space_ratio ==
        10);
}

TEST_CASE("StoreConfig: typed values are trimmed, paths lose trailing blanks") {
  const StoreConfig c = MustApply(
      "brokerRole=SLAVE \n"
      "fileReservedTime = 48\t\n"
      "messageIndexEnable=false  \n"
      "storePathRootDir=  /data/store  \n"
      "deleteWhen=04 \n");
  CHECK(c.broker_role == BrokerRole::kSlave);
  CHECK(c.file_reserved_time == 48);
  CHECK(c.message_index_enable == false);
  CHECK(c.store_path_root_dir == "/data/store");
  CHECK(c.delete_when == "04");
}

TEST_CASE("StoreConfig: integers follow Java parseInt") {
  CHECK(MustApply("fileReservedTime=+12\n").file_reserved_time == 12);
  CHECK(MustApply("maxMessageSize=2147483647\n").max_message_size ==
        2147483647);
  CHECK(ApplyError("maxMessageSize=2147483648\n") ==
        "broker.properties:1: maxMessageSize: '2147483648' is out of range "
        "(-2147483648..2147483647)");
  CHECK(ApplyError("fileReservedTime=1_000\n") ==
        "broker.properties:1: fileReservedTime: '1_000' is not an integer");
  CHECK(ApplyError("fileReservedTime=\n") ==
        "broker.properties:1: fileReservedTime: '' is not an integer");
  CHECK(ApplyError("fileReservedTime=0x10\n") ==
        "broker.properties:1: fileReservedTime: '0x10' is not an integer");
  CHECK(ApplyError("fileReservedTime=99999999999999999999\n")
            .find("is out of range") != std::string::npos);
}

TEST_CASE("StoreConfig: a bad value names file, line and key") {
  CHECK(ApplyError("#\n#\nbrokerClusterName=DefaultCluster\nbrokerName=b\n"
                   "brokerId=0\ndeleteWhen=04\nflushDiskType=SYNC\n") ==
        "broker.properties:7: flushDiskType: 'SYNC' is not one of "
        "ASYNC_FLUSH, SYNC_FLUSH");
  CHECK(ApplyError("fileReservedTime=48h\n") ==
        "broker.properties:1: fileReservedTime: '48h' is not an integer");
  CHECK(ApplyError("brokerRole=slave\n") ==
        "broker.properties:1: brokerRole: 'slave' is not one of ASYNC_MASTER, "
        "SYNC_MASTER, SLAVE");
  CHECK(ApplyError("messageIndexEnable=yes\n") ==
        "broker.properties:1: messageIndexEnable: 'yes' is not true or false");
  CHECK(ApplyError("maxHashSlotNum=0\n") ==
        "broker.properties:1: maxHashSlotNum: 0 is below the minimum 1");
  CHECK(ApplyError("maxIndexNum=1\n") ==
        "broker.properties:1: maxIndexNum: 1 is below the minimum 2");
  CHECK(ApplyError("mappedFileSizeCommitLog=1024\n") ==
        "broker.properties:1: mappedFileSizeCommitLog: 1024 is below the "
        "minimum 4096");
  CHECK(ApplyError("mapedFileSizeCommitLog=1024\n") ==
        "broker.properties:1: mapedFileSizeCommitLog: 1024 is below the "
        "minimum 4096");
  CHECK(ApplyError("mappedFileSizeConsumeQueue=0\n") ==
        "broker.properties:1: mappedFileSizeConsumeQueue: 0 is below the "
        "minimum 1");
  CHECK(ApplyError("accessMessageInMemoryMaxRatio=101\n") ==
        "broker.properties:1: accessMessageInMemoryMaxRatio: 101 is not "
        "within 0..100");
  CHECK(ApplyError("messageDelayLevel=1s 5x\n") ==
        "broker.properties:1: messageDelayLevel: delay level 2 '5x': unit 'x' "
        "is not one of s, m, h, d");
  CHECK(ApplyError("deleteWhen=04;25\n") ==
        "broker.properties:1: deleteWhen: '25' in '04;25' is not an hour of "
        "the day (0..23)");
  CHECK(ApplyError("storePathRootDir=\n") ==
        "broker.properties:1: storePathRootDir: the store root directory is "
        "empty");
  CHECK(ApplyError("storePathCommitLog=/a,/b\n") ==
        "broker.properties:1: storePathCommitLog: '/a,/b' lists several "
        "directories; rmq supports one");
  CHECK(ApplyError("brokerIP1=broker.example.com\n") ==
        "broker.properties:1: brokerIP1: 'broker.example.com' is not an IPv4 "
        "or IPv6 address");
  CHECK(ApplyError("listenPort=0\n") ==
        "broker.properties:1: listenPort: '0' is not a port number "
        "(1..65535)");
  CHECK(ApplyError("listenPort=65536\n") ==
        "broker.properties:1: listenPort: '65536' is not a port number "
        "(1..65535)");
}

TEST_CASE("StoreConfig: a failed apply leaves the config untouched") {
  const PropertiesFile file =
      MustParse("fileReservedTime=48\nbrokerName=b\nbrokerRole=KING\n");
  StoreConfig config;
  std::vector<const PropertyEntry*> unknown;
  CHECK_THAT(ApplyStoreProperties(file, &config, &unknown),
             StatusIs(absl::StatusCode::kInvalidArgument));
  CHECK(config.file_reserved_time == 72);
  CHECK(unknown.empty());
}

TEST_CASE("StoreConfig: brokerIP1 and listenPort make the store host") {
  SECTION("IPv4, port first") {
    const StoreConfig c = MustApply("listenPort=10811\nbrokerIP1=10.0.0.7\n");
    CHECK(c.store_host == HostAddress::V4(10, 0, 0, 7, 10811));
  }
  SECTION("only the port keeps the default address") {
    const StoreConfig c = MustApply("listenPort=10811\n");
    CHECK(c.store_host == HostAddress::V4(127, 0, 0, 1, 10811));
  }
  SECTION("IPv6, bare or bracketed") {
    for (const char* text :
         {"brokerIP1=2001:db8::1\n", "brokerIP1=[2001:db8::1]\n"}) {
      const StoreConfig c = MustApply(text);
      CHECK(c.store_host.v6);
      CHECK(c.store_host.port == 10911);
      CHECK(c.store_host.ip[0] == 0x20);
      CHECK(c.store_host.ip[1] == 0x01);
      CHECK(c.store_host.ip[2] == 0x0d);
      CHECK(c.store_host.ip[3] == 0xb8);
      CHECK(c.store_host.ip[15] == 0x01);
    }
  }
  SECTION("IPv4 after IPv6 clears the v6 bytes") {
    const StoreConfig c = MustApply("brokerIP1=::1\nbrokerIP1=1.2.3.4\n");
    CHECK(c.store_host == HostAddress::V4(1, 2, 3, 4, 10911));
  }
}

TEST_CASE("StoreConfig: non-store keys are reported, ignored store keys not") {
  const PropertiesFile file = MustParse(
      "brokerName=broker-a\n"
      "fileReservedTime=48\n"
      "haListenPort=10912\n"
      "destroyMapedFileIntervalForcibly=120000\n"
      "enableDLegerCommitLog=false\n"
      "checkTransactionMessageEnable=false\n"
      "storePathIndex=/x\n"
      "namesrvAddr=127.0.0.1:9876\n");
  StoreConfig config;
  std::vector<const PropertyEntry*> unknown;
  REQUIRE_OK(ApplyStoreProperties(file, &config, &unknown));
  CHECK(Keys(unknown) ==
        std::vector<std::string>{"brokerName", "checkTransactionMessageEnable",
                                 "storePathIndex", "namesrvAddr"});
  CHECK(unknown[0]->line == 1);
  CHECK(config.file_reserved_time == 48);
  // A null list is allowed.
  REQUIRE_OK(ApplyStoreProperties(file, &config, nullptr));
}

TEST_CASE("StoreConfig: a key given twice, the last value wins") {
  CHECK(MustApply("fileReservedTime=1\nfileReservedTime=2\n")
            .file_reserved_time == 2);
}

TEST_CASE("StoreConfig: RocketMQ's 2m-noslave broker-a.properties loads") {
  const PropertiesFile file = MustParse(
      "# Licensed to the Apache Software Foundation (ASF) under one or more\n"
      "# contributor license agreements.  See the NOTICE file distributed "
      "with\n"
      "brokerClusterName=DefaultCluster\n"
      "brokerName=broker-a\n"
      "brokerId=0\n"
      "deleteWhen=04\n"
      "fileReservedTime=48\n"
      "brokerRole=ASYNC_MASTER\n"
      "flushDiskType=ASYNC_FLUSH\n",
      "conf/2m-noslave/broker-a.properties");
  StoreConfig config;
  std::vector<const PropertyEntry*> unknown;
  REQUIRE_OK(ApplyStoreProperties(file, &config, &unknown));
  CHECK(config.delete_when == "04");
  CHECK(config.file_reserved_time == 48);
  CHECK(config.broker_role == BrokerRole::kAsyncMaster);
  CHECK(config.flush_disk_type == FlushDiskType::kAsyncFlush);
  CHECK(Keys(unknown) == std::vector<std::string>{"brokerClusterName",
                                                  "brokerName", "brokerId"});
  CHECK(unknown[1]->line == 4);
  REQUIRE_OK(config.Validate());
}

TEST_CASE("StoreConfig: Validate names the key of a bad field set in code") {
  StoreConfig config;
  config.mapped_file_size_commit_log = 100;
  absl::Status status = config.Validate();
  REQUIRE_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  CHECK(status.message() ==
        "mappedFileSizeCommitLog: 100 is below the minimum 4096");

  config = StoreConfig();
  config.max_index_num = 0;
  CHECK(config.Validate().message() == "maxIndexNum: 0 is below the minimum 2");

  config = StoreConfig();
  config.message_delay_level = "1s 2s 3";
  status = config.Validate();
  REQUIRE_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  CHECK(status.message() ==
        "messageDelayLevel: delay level 3 '3': expected a number and a unit");

  config = StoreConfig();
  config.disk_max_used_space_ratio = 200;  // clamped by readers, as RocketMQ
  CHECK_OK(config.Validate());
}

TEST_CASE("ParseDelayLevels: RocketMQ's default has 18 levels") {
  StoreConfig config;
  const absl::StatusOr<std::vector<int64_t>> levels = config.DelayLevelsMs();
  REQUIRE_OK(levels);
  CHECK(*levels == std::vector<int64_t>{1000, 5000, 10000, 30000, 60000, 120000,
                                        180000, 240000, 300000, 360000, 420000,
                                        480000, 540000, 600000, 1200000,
                                        1800000, 3600000, 7200000});
}

TEST_CASE("ParseDelayLevels: units, trailing blanks and bad tokens") {
  CHECK(*ParseDelayLevels("1d") == std::vector<int64_t>{86400000});
  CHECK(*ParseDelayLevels("90s 0s") == std::vector<int64_t>{90000, 0});
  // Java's split(" ") drops trailing empty tokens.
  CHECK(*ParseDelayLevels("1s 2s  ") == std::vector<int64_t>{1000, 2000});

  const auto error = [](std::string_view text) {
    const absl::StatusOr<std::vector<int64_t>> levels = ParseDelayLevels(text);
    INFO(std::string(text));
    REQUIRE_THAT(levels.status(), StatusIs(absl::StatusCode::kInvalidArgument));
    return std::string(levels.status().message());
  };
  CHECK(error("1s  5s") == "delay level 2 '': expected a number and a unit");
  CHECK(error("5") == "delay level 1 '5': expected a number and a unit");
  CHECK(error("1s 5x") ==
        "delay level 2 '5x': unit 'x' is not one of s, m, h, d");
  CHECK(error("1S") == "delay level 1 '1S': unit 'S' is not one of s, m, h, d");
  CHECK(error("ms") == "delay level 1 'ms': 'm' is not an integer");
  CHECK(error("-1s").find("'-1' is out of range") != std::string::npos);
  CHECK(error("") == "no delay levels");
  CHECK(error("99999999999999999d").find("is out of range") !=
        std::string::npos);
}

}  // namespace
}  // namespace rmq
