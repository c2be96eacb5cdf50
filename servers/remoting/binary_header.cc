#include "remoting/binary_header.h"

#include <cstdint>

#include "absl/strings/str_format.h"

namespace rmq::remoting {
namespace {

constexpr size_t kFixedBytes = 21;

void PutBE(uint64_t value, int bytes, std::string* out) {
  for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((value >> shift) & 0xFF));
  }
}

// Reads big-endian fields from the header, bounds-checked.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  size_t pos() const { return pos_; }
  size_t left() const { return data_.size() - pos_; }

  bool Read(int bytes, uint64_t* value) {
    if (left() < static_cast<size_t>(bytes)) return false;
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) {
      v = (v << 8) | static_cast<uint8_t>(data_[pos_++]);
    }
    *value = v;
    return true;
  }
  bool ReadText(size_t length, std::string_view* text) {
    if (left() < length) return false;
    *text = data_.substr(pos_, length);
    pos_ += length;
    return true;
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

absl::Status Truncated(std::string_view what, size_t pos, size_t size) {
  return absl::InvalidArgumentError(absl::StrFormat(
      "ROCKETMQ header of %d bytes is truncated: %s at byte %d does not fit",
      size, what, pos));
}

absl::Status DecodeExtFields(Reader& r, size_t block, size_t header_size,
                             ExtFields* fields) {
  const size_t end = r.pos() + block;
  while (r.pos() < end) {
    uint64_t key_length = 0;
    uint64_t value_length = 0;
    std::string_view key;
    std::string_view value;
    if (!r.Read(2, &key_length) || !r.ReadText(key_length, &key)) {
      return Truncated("an extFields key", r.pos(), header_size);
    }
    if (!r.Read(4, &value_length) || value_length > r.left() ||
        !r.ReadText(value_length, &value)) {
      return Truncated("an extFields value", r.pos(), header_size);
    }
    if (r.pos() > end) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "ROCKETMQ header: extFields entry '%s' runs past the %d-byte block",
          key, block));
    }
    fields->Set(key, value);
  }
  return absl::OkStatus();
}

}  // namespace

void EncodeBinaryHeader(const RemotingCommand& command, std::string* out) {
  PutBE(static_cast<uint16_t>(command.code), 2, out);
  out->push_back(static_cast<char>(command.language));
  PutBE(static_cast<uint16_t>(command.version), 2, out);
  PutBE(static_cast<uint32_t>(command.opaque), 4, out);
  PutBE(static_cast<uint32_t>(command.flag), 4, out);
  const std::string_view remark =
      command.remark.has_value() ? std::string_view(*command.remark) : "";
  PutBE(remark.size(), 4, out);
  out->append(remark);
  size_t block = 0;
  for (const auto& [key, value] : command.ext_fields.entries()) {
    block += 2 + key.size() + 4 + value.size();
  }
  PutBE(block, 4, out);
  for (const auto& [key, value] : command.ext_fields.entries()) {
    PutBE(key.size(), 2, out);
    out->append(key);
    PutBE(value.size(), 4, out);
    out->append(value);
  }
}

absl::Status DecodeBinaryHeader(std::string_view header, RemotingCommand* out) {
  if (header.size() < kFixedBytes) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "ROCKETMQ header of %d bytes is shorter than its fixed %d",
        header.size(), kFixedBytes));
  }
  Reader r(header);
  uint64_t code = 0, language = 0, version = 0, opaque = 0, flag = 0;
  uint64_t remark_length = 0;
  r.Read(2, &code);
  r.Read(1, &language);
  r.Read(2, &version);
  r.Read(4, &opaque);
  r.Read(4, &flag);
  r.Read(4, &remark_length);
  // Java reads code and version as signed shorts.
  out->code = static_cast<int16_t>(code);
  out->language = LanguageFromByte(static_cast<uint8_t>(language));
  out->version = static_cast<int16_t>(version);
  out->opaque = static_cast<int32_t>(opaque);
  out->flag = static_cast<int32_t>(flag);
  std::string_view remark;
  if (remark_length > r.left() || !r.ReadText(remark_length, &remark)) {
    return Truncated("the remark", r.pos(), header.size());
  }
  if (remark_length > 0) {
    out->remark = std::string(remark);
  } else {
    out->remark.reset();
  }
  uint64_t block = 0;
  if (!r.Read(4, &block)) {
    return Truncated("the extFields length", r.pos(), header.size());
  }
  if (block > r.left()) {
    return Truncated("the extFields block", r.pos(), header.size());
  }
  out->ext_fields = ExtFields();
  if (absl::Status s =
          DecodeExtFields(r, block, header.size(), &out->ext_fields);
      !s.ok()) {
    return s;
  }
  if (r.left() != 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "ROCKETMQ header: %d bytes left after the extFields block", r.left()));
  }
  out->serialize_type = SerializeType::kRocketMq;
  return absl::OkStatus();
}

}  // namespace rmq::remoting
