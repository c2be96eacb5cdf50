// StoreConfig: derived paths, validation and the properties-file binding.
//
// Where we deliberately differ from RocketMQ 4.x (broker-config §1):
//  * RocketMQ silently ignores a value it cannot convert and keeps the
//    default ("fileReservedTime=48h" keeps 72; "brokerRole=SLAVE " with a
//    trailing blank keeps ASYNC_MASTER). A store that quietly runs with
//    settings the operator did not ask for is worse than one that refuses to
//    start, so every bad value is an InvalidArgument naming file, line and key.
//  * Booleans must be exactly true or false (any case); RocketMQ reads
//    anything else as false.
//  * Typed values (numbers, booleans, enums, brokerIP1, deleteWhen) are
//    trimmed on both sides before conversion: Java keeps trailing blanks and
//    then fails the conversion silently; refusing a config over an invisible
//    blank would be unfriendly, so we accept the value the operator meant.
//    Free-form strings are kept as written, except the two paths, whose
//    trailing blanks are trimmed (a directory name ending in a blank is
//    always a typo).
//  * storePathCommitLog may name one directory only (RocketMQ accepts a
//    comma-separated list); a list is refused rather than taken as one name.

#include "rmq/store_config.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/strings.h"

namespace rmq {
namespace {

constexpr int64_t kInt32Min = std::numeric_limits<int32_t>::min();
constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();
constexpr int64_t kNoMax = std::numeric_limits<int64_t>::max();
// Consume-queue unit size: RocketMQ's getter rounds the file size up to it.
constexpr int64_t kConsumeQueueUnitSize = 20;

// Paths lose trailing whitespace only: the value up to the end of its
// trimmed text.
std::string_view TrimRight(std::string_view s) {
  const std::string_view trimmed = TrimPropertyValue(s);
  if (trimmed.empty()) return trimmed;
  return s.substr(0, trimmed.data() + trimmed.size() - s.data());
}

// ---- setters: parse a value into one field ------------------------------

using Setter = absl::Status (*)(std::string_view value, StoreConfig& config);
// Range/consistency check of one field; the message does not name the key.
using Checker = absl::Status (*)(const StoreConfig& config);

// A Java `int` property (all of MessageStoreConfig's numbers are int).
template <auto kField>
absl::Status SetInt(std::string_view value, StoreConfig& config) {
  RMQ_ASSIGN_OR_RETURN(
      const int64_t v,
      ParseJavaInteger(TrimPropertyValue(value), kInt32Min, kInt32Max));
  config.*kField = static_cast<int32_t>(v);
  return absl::OkStatus();
}

template <auto kField>
absl::Status SetBool(std::string_view value, StoreConfig& config) {
  RMQ_ASSIGN_OR_RETURN(config.*kField,
                       ParsePropertyBool(TrimPropertyValue(value)));
  return absl::OkStatus();
}

template <auto kField>
absl::Status SetString(std::string_view value, StoreConfig& config) {
  config.*kField = std::string(value);
  return absl::OkStatus();
}

template <auto kField>
absl::Status SetTrimmedString(std::string_view value, StoreConfig& config) {
  config.*kField = std::string(TrimPropertyValue(value));
  return absl::OkStatus();
}

absl::Status SetRootDir(std::string_view value, StoreConfig& config) {
  config.store_path_root_dir = std::string(TrimRight(value));
  return absl::OkStatus();
}

absl::Status SetCommitLogDir(std::string_view value, StoreConfig& config) {
  const std::string_view dir = TrimRight(value);
  if (dir.find(',') != std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(QuotePropertyValue(dir),
                     " lists several directories; rmq supports one"));
  }
  config.store_path_commit_log = std::string(dir);
  return absl::OkStatus();
}

// RocketMQ's getter rounds the consume-queue file size up to a whole number
// of 20-byte units; we round once, here, so every reader sees the real size.
absl::Status SetConsumeQueueFileSize(std::string_view value,
                                     StoreConfig& config) {
  RMQ_ASSIGN_OR_RETURN(
      const int64_t v,
      ParseJavaInteger(TrimPropertyValue(value), kInt32Min, kInt32Max));
  config.mapped_file_size_consume_queue =
      v > 0 ? (v + kConsumeQueueUnitSize - 1) / kConsumeQueueUnitSize *
                  kConsumeQueueUnitSize
            : v;
  return absl::OkStatus();
}

// RocketMQ's getter clamps the ratio to 10..95; we clamp the stored value.
absl::Status SetDiskRatio(std::string_view value, StoreConfig& config) {
  RMQ_ASSIGN_OR_RETURN(
      const int64_t v,
      ParseJavaInteger(TrimPropertyValue(value), kInt32Min, kInt32Max));
  config.disk_max_used_space_ratio =
      static_cast<int32_t>(std::clamp<int64_t>(v, 10, 95));
  return absl::OkStatus();
}

absl::Status SetFlushDiskType(std::string_view value, StoreConfig& config) {
  const std::string_view v = TrimPropertyValue(value);
  if (v == "ASYNC_FLUSH") {
    config.flush_disk_type = FlushDiskType::kAsyncFlush;
  } else if (v == "SYNC_FLUSH") {
    config.flush_disk_type = FlushDiskType::kSyncFlush;
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        QuotePropertyValue(v), " is not one of ASYNC_FLUSH, SYNC_FLUSH"));
  }
  return absl::OkStatus();
}

absl::Status SetWriteBufferBackend(std::string_view value,
                                   StoreConfig& config) {
  const std::string_view v = TrimPropertyValue(value);
  if (v == "io_uring") {
    config.write_buffer_backend = WriteBackend::kIoUring;
  } else if (v == "pwrite") {
    config.write_buffer_backend = WriteBackend::kPwrite;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat(QuotePropertyValue(v), " is not one of io_uring, pwrite"));
  }
  return absl::OkStatus();
}

absl::Status SetBrokerRole(std::string_view value, StoreConfig& config) {
  const std::string_view v = TrimPropertyValue(value);
  if (v == "ASYNC_MASTER") {
    config.broker_role = BrokerRole::kAsyncMaster;
  } else if (v == "SYNC_MASTER") {
    config.broker_role = BrokerRole::kSyncMaster;
  } else if (v == "SLAVE") {
    config.broker_role = BrokerRole::kSlave;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat(QuotePropertyValue(v),
                     " is not one of ASYNC_MASTER, SYNC_MASTER, SLAVE"));
  }
  return absl::OkStatus();
}

// brokerIP1: an IPv4 or IPv6 literal ("2001:db8::1" or "[2001:db8::1]").
// Host names are refused: the store host is written into every record.
absl::Status SetBrokerIp(std::string_view value, StoreConfig& config) {
  std::string_view v = TrimPropertyValue(value);
  std::string text(v);
  HostAddress& host = config.store_host;
  if (inet_pton(AF_INET, text.c_str(), host.ip.data()) == 1) {
    std::fill(host.ip.begin() + 4, host.ip.end(), 0);
    host.v6 = false;
    return absl::OkStatus();
  }
  if (v.size() >= 2 && v.front() == '[' && v.back() == ']') {
    text = std::string(v.substr(1, v.size() - 2));
  }
  std::array<uint8_t, 16> ip{};
  if (inet_pton(AF_INET6, text.c_str(), ip.data()) == 1) {
    host.ip = ip;
    host.v6 = true;
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat(QuotePropertyValue(v), " is not an IPv4 or IPv6 address"));
}

absl::Status SetListenPort(std::string_view value, StoreConfig& config) {
  const std::string_view v = TrimPropertyValue(value);
  absl::StatusOr<int64_t> port = ParseJavaInteger(v, 1, 65535);
  if (!port.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        QuotePropertyValue(v), " is not a port number (1..65535)"));
  }
  config.store_host.port = static_cast<int32_t>(*port);
  return absl::OkStatus();
}

// ---- checkers: shared by ApplyStoreProperties and Validate ---------------

template <auto kField, int64_t kMin, int64_t kMax = kNoMax>
absl::Status CheckRange(const StoreConfig& config) {
  const int64_t v = config.*kField;
  if (v >= kMin && v <= kMax) return absl::OkStatus();
  if (kMax == kNoMax) {
    return absl::InvalidArgumentError(
        absl::StrCat(v, " is below the minimum ", kMin));
  }
  return absl::InvalidArgumentError(
      absl::StrCat(v, " is not within ", kMin, "..", kMax));
}

absl::Status CheckRootDir(const StoreConfig& config) {
  if (!config.store_path_root_dir.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError("the store root directory is empty");
}

absl::Status CheckDelayLevels(const StoreConfig& config) {
  return config.DelayLevelsMs().status();
}

// deleteWhen: hours of the day separated by ';' (UtilAll.isItTimeToDo parses
// each with Integer.parseInt; Java's split drops trailing empty tokens).
absl::Status CheckDeleteWhen(const StoreConfig& config) {
  std::string_view rest = config.delete_when;
  while (!rest.empty() && rest.back() == ';') rest.remove_suffix(1);
  if (rest.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(QuotePropertyValue(config.delete_when), " names no hour"));
  }
  while (true) {
    const size_t semi = rest.find(';');
    const std::string_view token = rest.substr(0, semi);
    if (!ParseJavaInteger(token, 0, 23).ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(QuotePropertyValue(token), " in ",
                       QuotePropertyValue(config.delete_when),
                       " is not an hour of the day (0..23)"));
    }
    if (semi == std::string_view::npos) return absl::OkStatus();
    rest.remove_prefix(semi + 1);
  }
}

// ---- the key table ---------------------------------------------------------

struct StoreKey {
  std::string_view name;
  Setter set;
  Checker check;  // may be null
};

// Store keys StoreConfig has a field for (MessageStoreConfig names), the
// legacy "maped" spellings (RocketMQ <= 4.5.1), the rmq extensions and the two
// broker keys that make up the store host.
constexpr StoreKey kStoreKeys[] = {
    {"storePathRootDir", &SetRootDir, &CheckRootDir},
    {"storePathCommitLog", &SetCommitLogDir, nullptr},
    {"mappedFileSizeCommitLog",
     &SetInt<&StoreConfig::mapped_file_size_commit_log>,
     &CheckRange<&StoreConfig::mapped_file_size_commit_log, 4096>},
    {"mapedFileSizeCommitLog",
     &SetInt<&StoreConfig::mapped_file_size_commit_log>,
     &CheckRange<&StoreConfig::mapped_file_size_commit_log, 4096>},
    {"mappedFileSizeConsumeQueue", &SetConsumeQueueFileSize,
     &CheckRange<&StoreConfig::mapped_file_size_consume_queue, 1>},
    {"mapedFileSizeConsumeQueue", &SetConsumeQueueFileSize,
     &CheckRange<&StoreConfig::mapped_file_size_consume_queue, 1>},
    {"maxHashSlotNum", &SetInt<&StoreConfig::max_hash_slot_num>,
     &CheckRange<&StoreConfig::max_hash_slot_num, 1>},
    // Item 0 of an index file is never used: one item would leave no room
    // (RocketMQ would then create new index files forever).
    {"maxIndexNum", &SetInt<&StoreConfig::max_index_num>,
     &CheckRange<&StoreConfig::max_index_num, 2>},
    {"flushDiskType", &SetFlushDiskType, nullptr},
    {"flushIntervalCommitLog", &SetInt<&StoreConfig::flush_interval_commit_log>,
     &CheckRange<&StoreConfig::flush_interval_commit_log, 1>},
    {"flushCommitLogTimed", &SetBool<&StoreConfig::flush_commit_log_timed>,
     nullptr},
    {"flushCommitLogLeastPages",
     &SetInt<&StoreConfig::flush_commit_log_least_pages>,
     &CheckRange<&StoreConfig::flush_commit_log_least_pages, 0>},
    {"flushCommitLogThoroughInterval",
     &SetInt<&StoreConfig::flush_commit_log_thorough_interval>,
     &CheckRange<&StoreConfig::flush_commit_log_thorough_interval, 0>},
    {"commitIntervalCommitLog",
     &SetInt<&StoreConfig::commit_interval_commit_log>,
     &CheckRange<&StoreConfig::commit_interval_commit_log, 1>},
    {"commitCommitLogLeastPages",
     &SetInt<&StoreConfig::commit_commit_log_least_pages>,
     &CheckRange<&StoreConfig::commit_commit_log_least_pages, 0>},
    {"commitCommitLogThoroughInterval",
     &SetInt<&StoreConfig::commit_commit_log_thorough_interval>,
     &CheckRange<&StoreConfig::commit_commit_log_thorough_interval, 0>},
    {"flushIntervalConsumeQueue",
     &SetInt<&StoreConfig::flush_interval_consume_queue>,
     &CheckRange<&StoreConfig::flush_interval_consume_queue, 1>},
    {"flushConsumeQueueLeastPages",
     &SetInt<&StoreConfig::flush_consume_queue_least_pages>,
     &CheckRange<&StoreConfig::flush_consume_queue_least_pages, 0>},
    {"flushConsumeQueueThoroughInterval",
     &SetInt<&StoreConfig::flush_consume_queue_thorough_interval>,
     &CheckRange<&StoreConfig::flush_consume_queue_thorough_interval, 0>},
    {"syncFlushTimeout", &SetInt<&StoreConfig::sync_flush_timeout>,
     &CheckRange<&StoreConfig::sync_flush_timeout, 1>},
    {"transientStorePoolEnable",
     &SetBool<&StoreConfig::transient_store_pool_enable>, nullptr},
    {"maxMessageSize", &SetInt<&StoreConfig::max_message_size>,
     &CheckRange<&StoreConfig::max_message_size, 1>},
    {"brokerRole", &SetBrokerRole, nullptr},
    {"maxTransferBytesOnMessageInMemory",
     &SetInt<&StoreConfig::max_transfer_bytes_on_message_in_memory>,
     &CheckRange<&StoreConfig::max_transfer_bytes_on_message_in_memory, 1>},
    {"maxTransferCountOnMessageInMemory",
     &SetInt<&StoreConfig::max_transfer_count_on_message_in_memory>,
     &CheckRange<&StoreConfig::max_transfer_count_on_message_in_memory, 1>},
    {"maxTransferBytesOnMessageInDisk",
     &SetInt<&StoreConfig::max_transfer_bytes_on_message_in_disk>,
     &CheckRange<&StoreConfig::max_transfer_bytes_on_message_in_disk, 1>},
    {"maxTransferCountOnMessageInDisk",
     &SetInt<&StoreConfig::max_transfer_count_on_message_in_disk>,
     &CheckRange<&StoreConfig::max_transfer_count_on_message_in_disk, 1>},
    {"accessMessageInMemoryMaxRatio",
     &SetInt<&StoreConfig::access_message_in_memory_max_ratio>,
     &CheckRange<&StoreConfig::access_message_in_memory_max_ratio, 0, 100>},
    {"messageIndexEnable", &SetBool<&StoreConfig::message_index_enable>,
     nullptr},
    {"messageIndexSafe", &SetBool<&StoreConfig::message_index_safe>, nullptr},
    {"maxMsgsNumBatch", &SetInt<&StoreConfig::max_msgs_num_batch>,
     &CheckRange<&StoreConfig::max_msgs_num_batch, 1>},
    {"checkCRCOnRecover", &SetBool<&StoreConfig::check_crc_on_recover>,
     nullptr},
    {"messageDelayLevel", &SetString<&StoreConfig::message_delay_level>,
     &CheckDelayLevels},
    {"deleteWhen", &SetTrimmedString<&StoreConfig::delete_when>,
     &CheckDeleteWhen},
    {"fileReservedTime", &SetInt<&StoreConfig::file_reserved_time>,
     &CheckRange<&StoreConfig::file_reserved_time, 0>},
    // No checker: any value is clamped to 10..95, as RocketMQ's getter does.
    {"diskMaxUsedSpaceRatio", &SetDiskRatio, nullptr},
    {"cleanFileForciblyEnable",
     &SetBool<&StoreConfig::clean_file_forcibly_enable>, nullptr},
    {"rmqMaxMappedConsumeQueueFiles",
     &SetInt<&StoreConfig::max_mapped_consume_queue_files>,
     &CheckRange<&StoreConfig::max_mapped_consume_queue_files, 1>},
    {"rmqConsumeQueueAllocateAhead",
     &SetInt<&StoreConfig::consume_queue_allocate_ahead>,
     &CheckRange<&StoreConfig::consume_queue_allocate_ahead, 1>},
    {"rmqWriteBufferBytes", &SetInt<&StoreConfig::write_buffer_bytes>,
     &CheckRange<&StoreConfig::write_buffer_bytes, 1>},
    {"rmqWriteBufferBackend", &SetWriteBufferBackend, nullptr},
    {"warmMapedFileEnable", &SetBool<&StoreConfig::warm_maped_file_enable>,
     nullptr},
    {"brokerIP1", &SetBrokerIp, nullptr},
    {"listenPort", &SetListenPort, nullptr},
};

// MessageStoreConfig keys (broker-config §2) rmq has no setting for: accepted
// and ignored, so they are not reported as unknown. Their features are either
// absent (DLedger, LMQ, CQ extension, HA) or fixed in rmq.
constexpr std::string_view kIgnoredStoreKeys[] = {
    "readOnlyCommitLogStorePaths",
    "storePathDLedgerCommitLog",
    "enableConsumeQueueExt",
    "mappedFileSizeConsumeQueueExt",
    "bitMapLengthConsumeQueueExt",
    "slaveTimeout",
    "useReentrantLockWhenPutMessage",
    "transientStorePoolSize",
    "fastFailIfNoBufferInStorePool",
    "flushLeastPagesWhenWarmMapedFile",
    "osPageCacheBusyTimeOutMills",
    "putMsgIndexHightWater",
    "debugLockEnable",
    "cleanResourceInterval",
    "deleteCommitLogFilesInterval",
    "deleteConsumeQueueFilesInterval",
    "destroyMapedFileIntervalForcibly",
    "redeleteHangedFileInterval",
    "defaultQueryMaxNum",
    "diskFallRecorded",
    "offsetCheckInSlave",
    "duplicationEnable",
    "haListenPort",
    "haSendHeartbeatInterval",
    "haHousekeepingInterval",
    "haTransferBatchSize",
    "haMasterAddress",
    "haSlaveFallbehindMax",
    "flushDelayOffsetInterval",
    "enableScheduleMessageStats",
    "enableScheduleAsyncDeliver",
    "scheduleAsyncDeliverMaxPendingLimit",
    "scheduleAsyncDeliverMaxResendNum2Blocked",
    "enableDLegerCommitLog",
    "dLegerGroup",
    "dLegerPeers",
    "dLegerSelfId",
    "preferredLeaderId",
    "enableBatchPush",
    "enableLmq",
    "enableMultiDispatch",
    "maxLmqConsumeQueueNum",
};

const StoreKey* FindStoreKey(std::string_view name) {
  for (const StoreKey& key : kStoreKeys) {
    if (key.name == name) return &key;
  }
  return nullptr;
}

bool IsIgnoredStoreKey(std::string_view name) {
  for (std::string_view ignored : kIgnoredStoreKeys) {
    if (ignored == name) return true;
  }
  return false;
}

absl::StatusOr<int64_t> DelayUnitMs(char unit) {
  switch (unit) {
    case 's':
      return int64_t{1000};
    case 'm':
      return int64_t{60 * 1000};
    case 'h':
      return int64_t{60 * 60 * 1000};
    case 'd':
      return int64_t{24 * 60 * 60 * 1000};
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          "unit '", std::string(1, unit), "' is not one of s, m, h, d"));
  }
}

absl::StatusOr<int64_t> ParseDelayToken(std::string_view token) {
  if (token.size() < 2) {
    return absl::InvalidArgumentError("expected a number and a unit");
  }
  RMQ_ASSIGN_OR_RETURN(const int64_t unit_ms, DelayUnitMs(token.back()));
  RMQ_ASSIGN_OR_RETURN(
      const int64_t count,
      ParseJavaInteger(token.substr(0, token.size() - 1), 0,
                       std::numeric_limits<int64_t>::max() / unit_ms));
  return count * unit_ms;
}

}  // namespace

// Checks every field that has a rule in the key table. The consume-queue size
// may be any positive value here (ApplyStoreProperties rounds file values up
// to a multiple of 20, as RocketMQ's getter does), and diskMaxUsedSpaceRatio
// is not checked (RocketMQ clamps it to 10..95 on read; ApplyStoreProperties
// clamps file values).
absl::Status StoreConfig::Validate() const {
  for (const StoreKey& key : kStoreKeys) {
    if (key.check == nullptr) continue;
    const absl::Status status = key.check(*this);
    if (!status.ok()) return Annotate(status, key.name);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<int64_t>> StoreConfig::DelayLevelsMs() const {
  return ParseDelayLevels(message_delay_level);
}

absl::StatusOr<std::vector<int64_t>> ParseDelayLevels(std::string_view text) {
  // ScheduleMessageService.parseDelayLevel uses String.split(" "), which
  // drops trailing empty tokens; any other empty token makes it fail.
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.empty()) {
    return absl::InvalidArgumentError("no delay levels");
  }
  std::vector<int64_t> levels;
  while (true) {
    const size_t space = text.find(' ');
    const std::string_view token = text.substr(0, space);
    absl::StatusOr<int64_t> ms = ParseDelayToken(token);
    if (!ms.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("delay level ", levels.size() + 1, " ",
                       QuotePropertyValue(token), ": ", ms.status().message()));
    }
    levels.push_back(*ms);
    if (space == std::string_view::npos) return levels;
    text.remove_prefix(space + 1);
  }
}

absl::Status ApplyStoreProperties(const PropertiesFile& file,
                                  StoreConfig* config,
                                  std::vector<const PropertyEntry*>* unknown) {
  // All or nothing: a file with a bad value leaves `config` untouched.
  StoreConfig updated = *config;
  std::vector<const PropertyEntry*> not_store_keys;
  for (const PropertyEntry& entry : file.entries()) {
    const StoreKey* key = FindStoreKey(entry.key);
    if (key == nullptr) {
      if (!IsIgnoredStoreKey(entry.key)) not_store_keys.push_back(&entry);
      continue;
    }
    absl::Status status = key->set(entry.value, updated);
    if (status.ok() && key->check != nullptr) status = key->check(updated);
    if (!status.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(PropertyErrorPrefix(file, entry), status.message()));
    }
  }
  *config = std::move(updated);
  if (unknown != nullptr) {
    unknown->insert(unknown->end(), not_store_keys.begin(),
                    not_store_keys.end());
  }
  return absl::OkStatus();
}

}  // namespace rmq
