# liburing ships only a pkg-config file on Debian 12: wrap it as rmq::uring.
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBURING QUIET IMPORTED_TARGET liburing)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(LibUring REQUIRED_VARS LIBURING_FOUND
                                  VERSION_VAR LIBURING_VERSION)
if(LibUring_FOUND AND NOT TARGET rmq::uring)
  add_library(rmq::uring INTERFACE IMPORTED)
  target_link_libraries(rmq::uring INTERFACE PkgConfig::LIBURING)
endif()
