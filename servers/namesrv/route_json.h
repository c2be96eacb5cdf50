#pragma once
// The nameserver's JSON bodies (remoting-protocol.md §9.7, §11): written as
// fastjson writes them (keys sorted, nulls omitted) but always standard JSON
// (quoted broker-id keys), which every client parses (§11); read leniently
// (unknown keys ignored).

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "namesrv/route_info_manager.h"

namespace rmq::namesrv {

std::string EncodeTopicRouteData(const TopicRouteData& route);
std::string EncodeClusterInfo(const ClusterInfo& info);
std::string EncodeTopicList(const std::vector<std::string>& topics);
std::string EncodeDataVersion(const DataVersion& version);
// KVTable: {"table":{"key":"value",...}}
std::string EncodeKvTable(const std::map<std::string, std::string>& table);

// What REGISTER_BROKER's body carries (§9.7.2): a RegisterBrokerBody, or from
// brokers older than V3_0_11 a bare TopicConfigSerializeWrapper. Fills
// `data_version` and `topics` of `registration`.
absl::Status DecodeRegisterBrokerBody(std::string_view body,
                                      BrokerRegistration* registration);
// The compressed form (`compressed=true`): zlib-deflated length-prefixed
// parts.
absl::Status DecodeCompressedRegisterBrokerBody(
    std::string_view body, BrokerRegistration* registration);
absl::StatusOr<DataVersion> DecodeDataVersion(std::string_view json);

}  // namespace rmq::namesrv
