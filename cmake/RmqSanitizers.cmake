# RMQ_SANITIZE=asan-ubsan builds everything with AddressSanitizer + UBSan.
set(RMQ_SANITIZE "" CACHE STRING "Sanitizers: empty or asan-ubsan")
if(RMQ_SANITIZE STREQUAL "asan-ubsan")
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
  add_compile_definitions(RMQ_SANITIZED=1)
  if(RMQ_FUZZ)
    # Clang's UBSan reports RapidJSON 1.1.0 (Debian's) adding to a null
    # stack pointer before its first allocation (internal/stack.h) on every
    # parse; GCC does not check that. ASan still checks every access.
    add_compile_options(-fno-sanitize=pointer-overflow)
  endif()
elseif(NOT RMQ_SANITIZE STREQUAL "")
  message(FATAL_ERROR "unknown RMQ_SANITIZE value '${RMQ_SANITIZE}'")
endif()
