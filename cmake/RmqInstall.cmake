# `cmake --install` gives headers, librmqstore and a package config so that another
# project can `find_package(rmq)` and link `rmq::store`.
include(CMakePackageConfigHelpers)
install(DIRECTORY include/rmq DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS rmqstore EXPORT rmqTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
set(RMQ_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/rmq)
install(EXPORT rmqTargets NAMESPACE rmq:: DESTINATION ${RMQ_CMAKE_DIR})
configure_package_config_file(cmake/rmqConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/rmqConfig.cmake INSTALL_DESTINATION ${RMQ_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/rmqConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/rmqConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/rmqConfigVersion.cmake
              cmake/FindLibUring.cmake cmake/FindXxHash.cmake
        DESTINATION ${RMQ_CMAKE_DIR})
