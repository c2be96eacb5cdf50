#pragma once
// Request and response codes (remoting-protocol.md §6, §7), as RocketMQ
// 4.9.8 numbers them. Only the codes our servers and tools use are named.

#include <cstdint>

namespace rmq::remoting {

namespace request {
inline constexpr int32_t kSendMessage = 10;
inline constexpr int32_t kPullMessage = 11;
inline constexpr int32_t kQueryMessage = 12;
inline constexpr int32_t kQueryConsumerOffset = 14;
inline constexpr int32_t kUpdateConsumerOffset = 15;
inline constexpr int32_t kUpdateAndCreateTopic = 17;
inline constexpr int32_t kGetAllTopicConfig = 21;
inline constexpr int32_t kGetBrokerRuntimeInfo = 28;
inline constexpr int32_t kSearchOffsetByTimestamp = 29;
inline constexpr int32_t kGetMaxOffset = 30;
inline constexpr int32_t kGetMinOffset = 31;
inline constexpr int32_t kGetEarliestMsgStoreTime = 32;
inline constexpr int32_t kViewMessageById = 33;
inline constexpr int32_t kHeartBeat = 34;
inline constexpr int32_t kUnregisterClient = 35;
inline constexpr int32_t kConsumerSendMsgBack = 36;
inline constexpr int32_t kGetConsumerListByGroup = 38;
inline constexpr int32_t kNotifyConsumerIdsChanged = 40;
inline constexpr int32_t kLockBatchMq = 41;
inline constexpr int32_t kUnlockBatchMq = 42;
inline constexpr int32_t kPutKvConfig = 100;
inline constexpr int32_t kGetKvConfig = 101;
inline constexpr int32_t kDeleteKvConfig = 102;
inline constexpr int32_t kRegisterBroker = 103;
inline constexpr int32_t kUnregisterBroker = 104;
inline constexpr int32_t kGetRouteInfoByTopic = 105;
inline constexpr int32_t kGetBrokerClusterInfo = 106;
inline constexpr int32_t kUpdateAndCreateSubscriptionGroup = 200;
inline constexpr int32_t kGetAllSubscriptionGroupConfig = 201;
inline constexpr int32_t kGetTopicStatsInfo = 202;
inline constexpr int32_t kGetConsumerConnectionList = 203;
inline constexpr int32_t kGetProducerConnectionList = 204;
inline constexpr int32_t kWipeWritePermOfBroker = 205;
inline constexpr int32_t kGetAllTopicListFromNameserver = 206;
inline constexpr int32_t kDeleteSubscriptionGroup = 207;
inline constexpr int32_t kDeleteTopicInBroker = 215;
inline constexpr int32_t kDeleteTopicInNamesrv = 216;
inline constexpr int32_t kGetKvListByNamespace = 219;
inline constexpr int32_t kGetTopicsByCluster = 224;
inline constexpr int32_t kSendMessageV2 = 310;
inline constexpr int32_t kSendBatchMessage = 320;
inline constexpr int32_t kQueryDataVersion = 322;
inline constexpr int32_t kAddWritePermOfBroker = 327;
}  // namespace request

namespace response {
inline constexpr int32_t kSuccess = 0;
inline constexpr int32_t kSystemError = 1;
inline constexpr int32_t kSystemBusy = 2;
inline constexpr int32_t kRequestCodeNotSupported = 3;
inline constexpr int32_t kFlushDiskTimeout = 10;
inline constexpr int32_t kMessageIllegal = 13;
inline constexpr int32_t kServiceNotAvailable = 14;
inline constexpr int32_t kNoPermission = 16;
inline constexpr int32_t kTopicNotExist = 17;
inline constexpr int32_t kTopicExistAlready = 18;
inline constexpr int32_t kQueryNotFound = 22;
inline constexpr int32_t kSubscriptionGroupNotExist = 26;
inline constexpr int32_t kConsumerNotOnline = 206;
}  // namespace response

}  // namespace rmq::remoting
