# Warnings every target of ours is built with.
add_library(rmq_warnings INTERFACE)
target_compile_options(rmq_warnings INTERFACE
  -Wall -Wextra -Wshadow=local -Wnon-virtual-dtor
  -Werror=unused-result -Werror=return-type)
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  target_compile_options(rmq_warnings INTERFACE -Wthread-safety)
endif()
