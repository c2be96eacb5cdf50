#include <ctime>

#include "base/endian.h"
#include "base/strings.h"
#include "rmq/message.h"

namespace rmq {
namespace {

// Start of the month holding `now_ms` and of the next one, in local time.
void MonthBounds(int64_t now_ms, int64_t* start_ms, int64_t* next_ms) {
  const time_t now = static_cast<time_t>(now_ms / 1000);
  struct tm local;
  localtime_r(&now, &local);
  local.tm_mday = 1;
  local.tm_hour = local.tm_min = local.tm_sec = 0;
  local.tm_isdst = -1;
  *start_ms = static_cast<int64_t>(mktime(&local)) * 1000;
  local.tm_mon += 1;
  local.tm_isdst = -1;
  *next_ms = static_cast<int64_t>(mktime(&local)) * 1000;
}

}  // namespace

UniqueKeyGenerator::UniqueKeyGenerator(const HostAddress& producer, int32_t pid,
                                       int32_t process_constant) {
  std::byte buf[22];
  const int ip_len = producer.v6 ? 16 : 4;
  for (int i = 0; i < ip_len; ++i) buf[i] = std::byte{producer.ip[i]};
  StoreBE16(buf + ip_len, static_cast<int16_t>(pid));
  StoreBE32(buf + ip_len + 2, process_constant);
  prefix_ = HexUpper(std::span<const std::byte>(buf, ip_len + 6));
}

std::string UniqueKeyGenerator::Next(int64_t now_ms) {
  if (now_ms < month_start_ms_ || now_ms >= next_month_ms_) {
    MonthBounds(now_ms, &month_start_ms_, &next_month_ms_);
  }
  std::byte buf[6];
  StoreBE32(buf, static_cast<int32_t>(now_ms - month_start_ms_));
  StoreBE16(buf + 4, static_cast<int16_t>(counter_++));
  return prefix_ + HexUpper(buf);
}

}  // namespace rmq
