#include "commitlog/mapped_file.h"

namespace rmq {

MappedFile::MappedFile(std::unique_ptr<MappedRegion> region, int64_t from)
    : region_(std::move(region)),
      from_(from),
      size_(static_cast<int64_t>(region_->size())) {}

}  // namespace rmq
