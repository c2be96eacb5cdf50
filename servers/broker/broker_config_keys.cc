// The broker's properties keys: each one's parser into BrokerConfig and its
// printer for -p/-m, and the RocketMQ keys rmq accepts without acting on.

#include "broker/broker_config_keys.h"

#include <algorithm>
#include <limits>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/strings.h"

namespace rmq::broker {
namespace {

constexpr int64_t kInt32Min = std::numeric_limits<int32_t>::min();
constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

// Java Integer.parseInt / Long.parseLong (the store's parser), then the
// range rmq accepts for the field.
absl::StatusOr<int64_t> ParseInteger(std::string_view text, int64_t min,
                                     int64_t max) {
  absl::StatusOr<int64_t> value = ParseJavaInteger(text, kInt64Min, kInt64Max);
  if (!value.ok()) return value;
  if (*value < min && (max == kInt32Max || max == kInt64Max)) {
    return absl::InvalidArgumentError(
        absl::StrCat(QuotePropertyValue(text), " is below the minimum ", min));
  }
  if (*value < min || *value > max) {
    return absl::InvalidArgumentError(absl::StrCat(
        QuotePropertyValue(text), " is not within ", min, "..", max));
  }
  return value;
}

// ---- setters: parse a value into one field ------------------------------

template <auto kField, int64_t kMin, int64_t kMax>
absl::Status SetInt(std::string_view value, BrokerConfig& config) {
  absl::StatusOr<int64_t> v =
      ParseInteger(TrimPropertyValue(value), kMin, kMax);
  if (!v.ok()) return v.status();
  using Field = std::remove_reference_t<decltype(config.*kField)>;
  config.*kField = static_cast<Field>(*v);
  return absl::OkStatus();
}

// A Java int that must be at least kMin (thread counts, intervals, sizes).
template <auto kField, int64_t kMin = kInt32Min>
constexpr Setter kSetInt = &SetInt<kField, kMin, kInt32Max>;
// A Java long that must be at least kMin.
template <auto kField, int64_t kMin = kInt64Min>
constexpr Setter kSetLong = &SetInt<kField, kMin, kInt64Max>;

template <auto kField>
absl::Status SetBool(std::string_view value, BrokerConfig& config) {
  absl::StatusOr<bool> v = ParsePropertyBool(TrimPropertyValue(value));
  if (!v.ok()) return v.status();
  config.*kField = *v;
  return absl::OkStatus();
}

template <auto kField>
absl::Status SetString(std::string_view value, BrokerConfig& config) {
  config.*kField = std::string(TrimPropertyValue(value));
  return absl::OkStatus();
}

// Names that identify the broker to the cluster (and become system topics).
template <auto kField>
absl::Status SetName(std::string_view value, BrokerConfig& config) {
  if (TrimPropertyValue(value).empty())
    return absl::InvalidArgumentError("is empty");
  return SetString<kField>(value, config);
}

absl::Status SetNamesrvAddr(std::string_view value, BrokerConfig& config) {
  config.namesrv_addr = std::string(TrimPropertyValue(value));
  return CheckNamesrvAddr(config);
}

// Also applied by the store (which checks the port); the HA port
// (listenPort + 1) and the fast port (listenPort - 2) must be ports too.
absl::Status SetListenPort(std::string_view value, BrokerConfig& config) {
  absl::StatusOr<int64_t> v = ParseInteger(TrimPropertyValue(value), 3, 65534);
  if (!v.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(QuotePropertyValue(TrimPropertyValue(value)),
                     " is not a port in 3..65534 (the fast port is ",
                     "listenPort - 2 and the HA port listenPort + 1)"));
  }
  config.listen_port = static_cast<int32_t>(*v);
  return absl::OkStatus();
}

// RocketMQ's getter clamps the period to 10..60 s; we clamp the stored value.
absl::Status SetRegisterPeriod(std::string_view value, BrokerConfig& config) {
  absl::StatusOr<int64_t> v =
      ParseInteger(TrimPropertyValue(value), kInt32Min, kInt32Max);
  if (!v.ok()) return v.status();
  config.register_name_server_period =
      static_cast<int32_t>(std::clamp<int64_t>(*v, 10000, 60000));
  return absl::OkStatus();
}

// ---- printers: one field as a properties value --------------------------

std::string ToText(bool v) { return v ? "true" : "false"; }
std::string ToText(int32_t v) { return absl::StrCat(v); }
std::string ToText(int64_t v) { return absl::StrCat(v); }
std::string ToText(const std::string& v) { return v; }
std::string ToText(FlushDiskType v) {
  return v == FlushDiskType::kSyncFlush ? "SYNC_FLUSH" : "ASYNC_FLUSH";
}
std::string ToText(BrokerRole v) {
  switch (v) {
    case BrokerRole::kAsyncMaster:
      return "ASYNC_MASTER";
    case BrokerRole::kSyncMaster:
      return "SYNC_MASTER";
    case BrokerRole::kSlave:
      return "SLAVE";
  }
  return "ASYNC_MASTER";
}
std::string ToText(WriteBackend v) {
  return v == WriteBackend::kIoUring ? "io_uring" : "pwrite";
}

template <auto kField>
std::string Print(const BrokerConfig& config) {
  return ToText(config.*kField);
}

template <auto kField>
std::string PrintStore(const BrokerConfig& config) {
  return ToText(config.store.*kField);
}

std::string PrintCommitLogDir(const BrokerConfig& config) {
  return config.store.CommitLogDir();
}

// ---- the key table ---------------------------------------------------------

using C = BrokerConfig;
using S = StoreConfig;

// Every setting DescribeConfig prints; the ones with a setter are the
// broker's own keys.
const BrokerKey kKeys[] = {
    // identity, cluster, name server
    {"rocketmqHome", &SetString<&C::rocketmq_home>, &Print<&C::rocketmq_home>,
     true},
    {"namesrvAddr", &SetNamesrvAddr, &Print<&C::namesrv_addr>, true},
    {"brokerIP1", &SetName<&C::broker_ip1>, &Print<&C::broker_ip1>, true},
    {"brokerIP2", &SetName<&C::broker_ip2>, &Print<&C::broker_ip2>, true},
    {"brokerName", &SetName<&C::broker_name>, &Print<&C::broker_name>, true},
    {"brokerClusterName", &SetName<&C::broker_cluster_name>,
     &Print<&C::broker_cluster_name>, true},
    {"brokerId", kSetLong<&C::broker_id>, &Print<&C::broker_id>, true},
    // PermName bits: 8 priority, 4 read, 2 write, 1 inherit.
    {"brokerPermission", &SetInt<&C::broker_permission, 0, 15>,
     &Print<&C::broker_permission>},
    {"registerNameServerPeriod", &SetRegisterPeriod,
     &Print<&C::register_name_server_period>},
    {"registerBrokerTimeoutMills",
     kSetInt<&C::register_broker_timeout_mills, 1>,
     &Print<&C::register_broker_timeout_mills>},
    {"compressedRegister", &SetBool<&C::compressed_register>,
     &Print<&C::compressed_register>},
    {"forceRegister", &SetBool<&C::force_register>, &Print<&C::force_register>},
    {"regionId", &SetString<&C::region_id>, &Print<&C::region_id>},
    {"traceOn", &SetBool<&C::trace_on>, &Print<&C::trace_on>},
    // topics and subscription groups
    {"defaultTopicQueueNums", kSetInt<&C::default_topic_queue_nums, 1>,
     &Print<&C::default_topic_queue_nums>},
    {"autoCreateTopicEnable", &SetBool<&C::auto_create_topic_enable>,
     &Print<&C::auto_create_topic_enable>, true},
    {"clusterTopicEnable", &SetBool<&C::cluster_topic_enable>,
     &Print<&C::cluster_topic_enable>},
    {"brokerTopicEnable", &SetBool<&C::broker_topic_enable>,
     &Print<&C::broker_topic_enable>},
    {"autoCreateSubscriptionGroup",
     &SetBool<&C::auto_create_subscription_group>,
     &Print<&C::auto_create_subscription_group>, true},
    {"msgTraceTopicName", &SetName<&C::msg_trace_topic_name>,
     &Print<&C::msg_trace_topic_name>, true},
    {"traceTopicEnable", &SetBool<&C::trace_topic_enable>,
     &Print<&C::trace_topic_enable>, true},
    {"storeReplyMessageEnable", &SetBool<&C::store_reply_message_enable>,
     &Print<&C::store_reply_message_enable>},
    {"rejectTransactionMessage", &SetBool<&C::reject_transaction_message>,
     &Print<&C::reject_transaction_message>},
    // thread pools
    {"sendMessageThreadPoolNums", kSetInt<&C::send_message_thread_pool_nums, 1>,
     &Print<&C::send_message_thread_pool_nums>},
    {"pullMessageThreadPoolNums", kSetInt<&C::pull_message_thread_pool_nums, 1>,
     &Print<&C::pull_message_thread_pool_nums>},
    {"queryMessageThreadPoolNums",
     kSetInt<&C::query_message_thread_pool_nums, 1>,
     &Print<&C::query_message_thread_pool_nums>},
    {"adminBrokerThreadPoolNums", kSetInt<&C::admin_broker_thread_pool_nums, 1>,
     &Print<&C::admin_broker_thread_pool_nums>},
    {"clientManageThreadPoolNums",
     kSetInt<&C::client_manage_thread_pool_nums, 1>,
     &Print<&C::client_manage_thread_pool_nums>},
    {"consumerManageThreadPoolNums",
     kSetInt<&C::consumer_manage_thread_pool_nums, 1>,
     &Print<&C::consumer_manage_thread_pool_nums>},
    {"heartbeatThreadPoolNums", kSetInt<&C::heartbeat_thread_pool_nums, 1>,
     &Print<&C::heartbeat_thread_pool_nums>},
    {"sendThreadPoolQueueCapacity",
     kSetInt<&C::send_thread_pool_queue_capacity, 1>,
     &Print<&C::send_thread_pool_queue_capacity>},
    {"pullThreadPoolQueueCapacity",
     kSetInt<&C::pull_thread_pool_queue_capacity, 1>,
     &Print<&C::pull_thread_pool_queue_capacity>},
    {"queryThreadPoolQueueCapacity",
     kSetInt<&C::query_thread_pool_queue_capacity, 1>,
     &Print<&C::query_thread_pool_queue_capacity>},
    // flow control
    {"brokerFastFailureEnable", &SetBool<&C::broker_fast_failure_enable>,
     &Print<&C::broker_fast_failure_enable>},
    {"waitTimeMillsInSendQueue", kSetLong<&C::wait_time_mills_in_send_queue, 0>,
     &Print<&C::wait_time_mills_in_send_queue>},
    {"waitTimeMillsInPullQueue", kSetLong<&C::wait_time_mills_in_pull_queue, 0>,
     &Print<&C::wait_time_mills_in_pull_queue>},
    {"waitTimeMillsInHeartbeatQueue",
     kSetLong<&C::wait_time_mills_in_heartbeat_queue, 0>,
     &Print<&C::wait_time_mills_in_heartbeat_queue>},
    {"startAcceptSendRequestTimeStamp",
     kSetLong<&C::start_accept_send_request_time_stamp>,
     &Print<&C::start_accept_send_request_time_stamp>},
    // pull and consumption
    {"longPollingEnable", &SetBool<&C::long_polling_enable>,
     &Print<&C::long_polling_enable>},
    {"shortPollingTimeMills", kSetLong<&C::short_polling_time_mills, 0>,
     &Print<&C::short_polling_time_mills>},
    {"notifyConsumerIdsChangedEnable",
     &SetBool<&C::notify_consumer_ids_changed_enable>,
     &Print<&C::notify_consumer_ids_changed_enable>},
    {"slaveReadEnable", &SetBool<&C::slave_read_enable>,
     &Print<&C::slave_read_enable>, true},
    {"transferMsgByHeap", &SetBool<&C::transfer_msg_by_heap>,
     &Print<&C::transfer_msg_by_heap>},
    {"flushConsumerOffsetInterval",
     kSetInt<&C::flush_consumer_offset_interval, 1>,
     &Print<&C::flush_consumer_offset_interval>},
    // transactions and statistics
    {"transactionTimeOut", kSetLong<&C::transaction_time_out, 0>,
     &Print<&C::transaction_time_out>, true},
    {"transactionCheckMax", kSetInt<&C::transaction_check_max, 0>,
     &Print<&C::transaction_check_max>, true},
    {"transactionCheckInterval", kSetLong<&C::transaction_check_interval, 1>,
     &Print<&C::transaction_check_interval>, true},
    {"enableDetailStat", &SetBool<&C::enable_detail_stat>,
     &Print<&C::enable_detail_stat>},
    // remoting server and client
    {"listenPort", &SetListenPort, &Print<&C::listen_port>, true},
    {"rmqListenHost", &SetName<&C::listen_host>, &Print<&C::listen_host>, true},
    {"haListenPort", nullptr, &Print<&C::ha_listen_port>, true},
    {"serverWorkerThreads", kSetInt<&C::server_worker_threads, 1>,
     &Print<&C::server_worker_threads>},
    {"serverSelectorThreads", kSetInt<&C::server_selector_threads, 1>,
     &Print<&C::server_selector_threads>},
    {"serverOnewaySemaphoreValue",
     kSetInt<&C::server_oneway_semaphore_value, 1>,
     &Print<&C::server_oneway_semaphore_value>},
    {"serverAsyncSemaphoreValue", kSetInt<&C::server_async_semaphore_value, 1>,
     &Print<&C::server_async_semaphore_value>},
    {"serverChannelMaxIdleTimeSeconds",
     kSetInt<&C::server_channel_max_idle_time_seconds, 0>,
     &Print<&C::server_channel_max_idle_time_seconds>},
    {"serverSocketSndBufSize", kSetInt<&C::server_socket_snd_buf_size, 0>,
     &Print<&C::server_socket_snd_buf_size>},
    {"serverSocketRcvBufSize", kSetInt<&C::server_socket_rcv_buf_size, 0>,
     &Print<&C::server_socket_rcv_buf_size>},
    {"serverSocketBacklog", kSetInt<&C::server_socket_backlog, 1>,
     &Print<&C::server_socket_backlog>},
    {"connectTimeoutMillis", kSetInt<&C::connect_timeout_millis, 1>,
     &Print<&C::connect_timeout_millis>},
    {"clientChannelMaxIdleTimeSeconds",
     kSetInt<&C::client_channel_max_idle_time_seconds, 0>,
     &Print<&C::client_channel_max_idle_time_seconds>},
    // the store (applied by ApplyStoreProperties)
    {"storePathRootDir", nullptr, &PrintStore<&S::store_path_root_dir>, true},
    {"storePathCommitLog", nullptr, &PrintCommitLogDir, true},
    {"mappedFileSizeCommitLog", nullptr,
     &PrintStore<&S::mapped_file_size_commit_log>},
    {"mappedFileSizeConsumeQueue", nullptr,
     &PrintStore<&S::mapped_file_size_consume_queue>},
    {"maxHashSlotNum", nullptr, &PrintStore<&S::max_hash_slot_num>},
    {"maxIndexNum", nullptr, &PrintStore<&S::max_index_num>},
    {"flushDiskType", nullptr, &PrintStore<&S::flush_disk_type>, true},
    {"flushIntervalCommitLog", nullptr,
     &PrintStore<&S::flush_interval_commit_log>, true},
    {"flushCommitLogTimed", nullptr, &PrintStore<&S::flush_commit_log_timed>},
    {"flushCommitLogLeastPages", nullptr,
     &PrintStore<&S::flush_commit_log_least_pages>},
    {"flushCommitLogThoroughInterval", nullptr,
     &PrintStore<&S::flush_commit_log_thorough_interval>},
    {"commitIntervalCommitLog", nullptr,
     &PrintStore<&S::commit_interval_commit_log>, true},
    {"commitCommitLogLeastPages", nullptr,
     &PrintStore<&S::commit_commit_log_least_pages>},
    {"commitCommitLogThoroughInterval", nullptr,
     &PrintStore<&S::commit_commit_log_thorough_interval>},
    {"flushIntervalConsumeQueue", nullptr,
     &PrintStore<&S::flush_interval_consume_queue>},
    {"flushConsumeQueueLeastPages", nullptr,
     &PrintStore<&S::flush_consume_queue_least_pages>},
    {"flushConsumeQueueThoroughInterval", nullptr,
     &PrintStore<&S::flush_consume_queue_thorough_interval>},
    {"syncFlushTimeout", nullptr, &PrintStore<&S::sync_flush_timeout>},
    {"transientStorePoolEnable", nullptr,
     &PrintStore<&S::transient_store_pool_enable>, true},
    {"maxMessageSize", nullptr, &PrintStore<&S::max_message_size>},
    {"warmMapedFileEnable", nullptr, &PrintStore<&S::warm_maped_file_enable>},
    {"brokerRole", nullptr, &PrintStore<&S::broker_role>, true},
    {"maxTransferBytesOnMessageInMemory", nullptr,
     &PrintStore<&S::max_transfer_bytes_on_message_in_memory>},
    {"maxTransferCountOnMessageInMemory", nullptr,
     &PrintStore<&S::max_transfer_count_on_message_in_memory>},
    {"maxTransferBytesOnMessageInDisk", nullptr,
     &PrintStore<&S::max_transfer_bytes_on_message_in_disk>},
    {"maxTransferCountOnMessageInDisk", nullptr,
     &PrintStore<&S::max_transfer_count_on_message_in_disk>},
    {"accessMessageInMemoryMaxRatio", nullptr,
     &PrintStore<&S::access_message_in_memory_max_ratio>, true},
    {"messageIndexEnable", nullptr, &PrintStore<&S::message_index_enable>,
     true},
    {"messageIndexSafe", nullptr, &PrintStore<&S::message_index_safe>, true},
    {"maxMsgsNumBatch", nullptr, &PrintStore<&S::max_msgs_num_batch>},
    {"checkCRCOnRecover", nullptr, &PrintStore<&S::check_crc_on_recover>},
    {"messageDelayLevel", nullptr, &PrintStore<&S::message_delay_level>},
    {"deleteWhen", nullptr, &PrintStore<&S::delete_when>, true},
    {"fileReservedTime", nullptr, &PrintStore<&S::file_reserved_time>, true},
    {"diskMaxUsedSpaceRatio", nullptr,
     &PrintStore<&S::disk_max_used_space_ratio>},
    {"cleanFileForciblyEnable", nullptr,
     &PrintStore<&S::clean_file_forcibly_enable>, true},
    {"rmqMaxMappedConsumeQueueFiles", nullptr,
     &PrintStore<&S::max_mapped_consume_queue_files>},
    {"rmqConsumeQueueAllocateAhead", nullptr,
     &PrintStore<&S::consume_queue_allocate_ahead>},
    {"rmqWriteBufferBytes", nullptr, &PrintStore<&S::write_buffer_bytes>},
    {"rmqWriteBufferBackend", nullptr, &PrintStore<&S::write_buffer_backend>},
};

// Switches for RocketMQ features rmq does not implement. false is what rmq
// does anyway; true is accepted with a warning, so a RocketMQ file still
// starts, but the operator learns that the feature is off.
constexpr std::string_view kUnsupportedSwitches[] = {
    "aclEnable",
    "enableDLegerCommitLog",
    "enablePropertyFilter",
    "enableCalcFilterBitMap",
    "enableConsumeQueueExt",
    "enableLmq",
    "enableMultiDispatch",
    "fetchNamesrvAddrByAddressServer",
};

// Other BrokerConfig / NettyServerConfig / NettyClientConfig keys of 4.9.8
// (broker-config.md §3-§5): tuning for Java's executors, Netty and legacy
// features, with no counterpart in rmq. Accepted and ignored without a
// warning, so RocketMQ's own files load cleanly.
constexpr std::string_view kIgnoredKeys[] = {
    "configBlackList",
    "isolateLogEnable",
    "messageStorePlugIn",
    "putMessageFutureThreadPoolNums",
    "processReplyMessageThreadPoolNums",
    "endTransactionThreadPoolNums",
    "putThreadPoolQueueCapacity",
    "replyThreadPoolQueueCapacity",
    "clientManagerThreadPoolQueueCapacity",
    "consumerManagerThreadPoolQueueCapacity",
    "heartbeatThreadPoolQueueCapacity",
    "endTransactionPoolQueueCapacity",
    "waitTimeMillsInTransactionQueue",
    "disableConsumeIfConsumerReadSlowly",
    "consumerFallbehindThreshold",
    "flushConsumerOffsetHistoryInterval",
    "expectConsumerNumUseFilter",
    "maxErrorRateOfBloomFilter",
    "filterDataCleanTimeSpan",
    "filterSupportRetry",
    "filterServerNums",
    "autoDeleteUnusedStats",
    "commercialEnable",
    "commercialTimerCount",
    "commercialTransCount",
    "commercialBigCount",
    "commercialBaseCount",
    "highSpeedMode",
    "maxDelayTime",
    "serverCallbackExecutorThreads",
    "writeBufferHighWaterMark",
    "writeBufferLowWaterMark",
    "serverPooledByteBufAllocatorEnable",
    "useEpollNativeSelector",
    "clientWorkerThreads",
    "clientCallbackExecutorThreads",
    "clientOnewaySemaphoreValue",
    "clientAsyncSemaphoreValue",
    "channelNotActiveInterval",
    "clientSocketSndBufSize",
    "clientSocketRcvBufSize",
    "clientPooledByteBufAllocatorEnable",
    "clientCloseSocketIfTimeout",
    "useTLS",
};

template <size_t N>
bool Contains(const std::string_view (&list)[N], std::string_view name) {
  return std::find(std::begin(list), std::end(list), name) != std::end(list);
}

}  // namespace

// "ip:port", bracketing a bare IPv6 address.
std::string HostPort(std::string_view ip, int32_t port) {
  const bool bare_v6 =
      ip.find(':') != std::string_view::npos && !ip.starts_with('[');
  return bare_v6 ? absl::StrCat("[", AsAbsl(ip), "]:", port)
                 : absl::StrCat(AsAbsl(ip), ":", port);
}

// BrokerStartup's check of namesrvAddr: every ';'-separated entry must be
// host:port (RemotingUtil.string2SocketAddress).
absl::Status CheckNamesrvAddr(const BrokerConfig& config) {
  for (const std::string& addr : config.NamesrvAddrs()) {
    const size_t colon = addr.rfind(':');
    const bool ok =
        colon != std::string::npos && colon > 0 &&
        ParseInteger(std::string_view(addr).substr(colon + 1), 1, 65535).ok();
    if (!ok) {
      return absl::InvalidArgumentError(
          absl::StrCat(QuotePropertyValue(addr),
                       " is not host:port (expected a ';'-separated list ",
                       "such as 127.0.0.1:9876;192.168.0.1:9876)"));
    }
  }
  return absl::OkStatus();
}

std::span<const BrokerKey> BrokerKeys() { return kKeys; }

const BrokerKey* FindBrokerKey(std::string_view name) {
  for (const BrokerKey& key : kKeys) {
    if (key.name == name) return &key;
  }
  return nullptr;
}

bool IsUnsupportedSwitch(std::string_view name) {
  return Contains(kUnsupportedSwitches, name);
}

bool IsIgnoredKey(std::string_view name) {
  return Contains(kIgnoredKeys, name);
}

std::string BrokerRoleText(BrokerRole role) { return ToText(role); }

}  // namespace rmq::broker
