#pragma once
// How the remoting transport includes Asio (standalone, header-only): every
// file of ours includes this instead of <asio/...> directly.
//
// Asio 1.22 turns co_await support on for clang only when libc++'s
// <experimental/coroutine> exists. Clang with libstdc++ (the fuzz preset) has
// the standard <coroutine>, which works, so we say so before the first Asio
// header; GCC is detected by Asio itself.

#if defined(__clang__) && !defined(ASIO_HAS_CO_AWAIT) && __has_include(<coroutine>)
#define ASIO_HAS_CO_AWAIT 1
#define ASIO_HAS_STD_COROUTINE 1
#endif

#include <asio/awaitable.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/dispatch.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
