# xxHash ships only a pkg-config file on Debian 12: wrap it as rmq::xxhash.
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBXXHASH QUIET IMPORTED_TARGET libxxhash)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(XxHash REQUIRED_VARS LIBXXHASH_FOUND
                                  VERSION_VAR LIBXXHASH_VERSION)
if(XxHash_FOUND AND NOT TARGET rmq::xxhash)
  add_library(rmq::xxhash INTERFACE IMPORTED)
  target_link_libraries(rmq::xxhash INTERFACE PkgConfig::LIBXXHASH)
endif()
