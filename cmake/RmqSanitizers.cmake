# RMQ_SANITIZE=asan-ubsan builds everything with AddressSanitizer + UBSan.
set(RMQ_SANITIZE "" CACHE STRING "Sanitizers: empty or asan-ubsan")
if(RMQ_SANITIZE STREQUAL "asan-ubsan")
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
  add_compile_definitions(RMQ_SANITIZED=1)
elseif(NOT RMQ_SANITIZE STREQUAL "")
  message(FATAL_ERROR "unknown RMQ_SANITIZE value '${RMQ_SANITIZE}'")
endif()
