// nng_handles.hpp: typed RAII wrappers for the nng objects net/ owns (aio, stream,
// stream listener, TLS config), and nng_error, the exception for start-up failures.
// Peer I/O never throws; only set-up (alloc, listen, TLS files) does.
#pragma once

#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>

#include <stdexcept>
#include <string>
#include <utility>

namespace mqtt::broker::net {

// nng_error carries an nng error number and what was being done ("listen tcp://...").
class nng_error : public std::runtime_error {
 public:
  nng_error(int rv, const std::string& doing)
      : std::runtime_error(doing + ": " + nng_strerror(rv)), code_(rv) {}
  int code() const { return code_; }

 private:
  int code_;
};

// aio_handle owns one nng_aio whose completion calls (owner->*OnDone)() on an nng task
// thread with no locks held. Not copyable or movable: nng keeps the owner pointer.
//
// ~aio_handle hands the aio to nng_aio_reap, so it may run inside the aio's own callback.
// The owner must make sure no operation is pending when it is destroyed: either stop()
// first (not from this aio's callback), or keep itself alive until the callback ran.
template <class Owner, void (Owner::*OnDone)()>
class aio_handle {
 public:
  explicit aio_handle(Owner* owner) {
    if (int rv = nng_aio_alloc(&aio_, &aio_handle::trampoline, owner); rv != 0) {
      throw nng_error(rv, "nng_aio_alloc");
    }
  }
  ~aio_handle() { nng_aio_reap(aio_); }
  aio_handle(const aio_handle&) = delete;
  aio_handle& operator=(const aio_handle&) = delete;

  nng_aio* get() const { return aio_; }
  int result() const { return nng_aio_result(aio_); }
  std::size_t count() const { return nng_aio_count(aio_); }
  // stop cancels any pending operation and waits for its callback; blocks; never call
  // it from this aio's own callback.
  void stop() { nng_aio_stop(aio_); }
  // cancel aborts a pending operation with NNG_ECANCELED; does not wait.
  void cancel() { nng_aio_cancel(aio_); }

 private:
  static void trampoline(void* owner) { (static_cast<Owner*>(owner)->*OnDone)(); }
  nng_aio* aio_ = nullptr;
};

// nng_max_iovs is the most iovs nng 1.5.2's nng_aio_set_iov takes (NNG_EINVAL above).
// A gathered write of more buffers has to be split; nng_handles_test pins the figure.
inline constexpr unsigned nng_max_iovs = 8;

// inline_aio owns an nng_aio without a callback, for stream I/O tried on the calling
// thread. nng 1.5's tcp stream does the read or write at once when the socket is ready
// and finishes the aio then; with no callback to dispatch, that needs no task thread.
// Every successful transfer (even a partial one) finishes the aio, so an operation that
// had to wait has moved no byte yet and can be cancelled without loss.
class inline_aio {
 public:
  struct outcome {
    int result = 0;         // 0, an nng error, or NNG_ECANCELED: the socket was not ready
    std::size_t count = 0;  // bytes transferred
    bool would_wait() const { return result == NNG_ECANCELED && count == 0; }
  };

  inline_aio() {
    if (int rv = nng_aio_alloc(&aio_, nullptr, nullptr); rv != 0) {
      throw nng_error(rv, "nng_aio_alloc");
    }
  }
  ~inline_aio() { nng_aio_free(aio_); }
  inline_aio(const inline_aio&) = delete;
  inline_aio& operator=(const inline_aio&) = delete;

  // attempt calls start(aio) (which sets the iov and starts a send or recv) and returns
  // its outcome; an operation that did not complete at once is cancelled. Only for
  // transports that complete inline (tcp); elsewhere it would cancel work in progress.
  template <class Start>
  outcome attempt(Start&& start) {
    start(aio_);
    nng_aio_cancel(aio_);
    nng_aio_wait(aio_);
    return {nng_aio_result(aio_), nng_aio_count(aio_)};
  }

 private:
  nng_aio* aio_ = nullptr;
};

// this_thread_inline_aio is the calling thread's inline_aio. attempt() runs no callback
// and is over when it returns, so one aio per thread serves the reads and writes of every
// connection on that thread: a connection owns none (two nng aios, about 0.9 KB, less per
// idle connection).
inline inline_aio& this_thread_inline_aio() {
  thread_local inline_aio aio;
  return aio;
}

// stream_handle owns an nng_stream: close() aborts its pending I/O, the destructor frees it.
class stream_handle {
 public:
  stream_handle() = default;
  explicit stream_handle(nng_stream* s) : s_(s) {}
  ~stream_handle() {
    if (s_ != nullptr) nng_stream_free(s_);
  }
  stream_handle(stream_handle&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  stream_handle& operator=(stream_handle&&) = delete;
  stream_handle(const stream_handle&) = delete;
  stream_handle& operator=(const stream_handle&) = delete;

  nng_stream* get() const { return s_; }
  void close() {
    if (s_ != nullptr) nng_stream_close(s_);
  }

 private:
  nng_stream* s_ = nullptr;
};

// tls_config_handle owns one reference to an nng_tls_config.
class tls_config_handle {
 public:
  tls_config_handle() = default;
  explicit tls_config_handle(nng_tls_config* c) : c_(c) {}
  ~tls_config_handle() {
    if (c_ != nullptr) nng_tls_config_free(c_);
  }
  tls_config_handle(tls_config_handle&& o) noexcept : c_(std::exchange(o.c_, nullptr)) {}
  tls_config_handle& operator=(tls_config_handle&& o) noexcept {
    std::swap(c_, o.c_);
    return *this;
  }
  tls_config_handle(const tls_config_handle&) = delete;
  tls_config_handle& operator=(const tls_config_handle&) = delete;

  nng_tls_config* get() const { return c_; }
  explicit operator bool() const { return c_ != nullptr; }

 private:
  nng_tls_config* c_ = nullptr;
};

}  // namespace mqtt::broker::net
