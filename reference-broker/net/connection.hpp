// connection.hpp: the I/O of one MQTT network connection, as an actor. It reads bytes
// from its nng stream into its client_connection (../core, which makes every protocol
// decision), passes the verdict questions that asks to the host's authorizer and the
// answers back, and writes what the core sends it in gathered batches, with a cap on
// queued outbound bytes. After the core closes it, it lingers: it sends what is queued,
// then reads and discards until the peer closes or goes quiet, so the peer reads the
// reason code instead of a connection reset.
#pragma once

#include <array>
#include <cstddef>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "reference-broker/core/broker_core.hpp"
#include "reference-broker/core/client_connection.hpp"
#include "reference-broker/net/inline_read_gate.hpp"
#include "reference-broker/net/nng_handles.hpp"

namespace mqtt::broker::net {

// connection_host is what a connection needs from the server: the core its session
// talks to, the clock, someone to carry out actions and answer verdict questions, and
// the connection table. Calls come from nng task threads and authorizer threads, never
// while the connection holds its own lock.
class connection_host {
 public:
  using verdict = std::variant<auth_verdict, acl_verdicts>;
  using connect_done = std::function<void(auth_verdict)>;
  using acl_done = std::function<void(acl_verdicts)>;

  virtual ~connection_host() = default;
  virtual broker_core& core() = 0;
  virtual millis now() const = 0;
  // dispatch carries out actions (sends and closes for any connection, log lines).
  virtual void dispatch(const action_list& actions) = 0;
  // ask_connect / ask_acl have the authorizer answer `q` (a CONNECT, or a PUBLISH or
  // SUBSCRIBE); `done` runs exactly once, before the call returns or later on another
  // thread. Once the server is shutting down they deny without asking.
  virtual void ask_connect(const verdict_question& q, connect_done done) = 0;
  virtual void ask_acl(const verdict_question& q, acl_done done) = 0;
  // handle_finished: no I/O of this connection is pending any more; drop it. Called
  // exactly once.
  virtual void handle_finished(connection_id conn) = 0;
  // enter / leave bracket each callback's work on a connection: the host must outlive
  // every bracket still open, even when the connection finishes on another thread first.
  virtual void enter() {}
  virtual void leave() {}
};

struct connection_limits {
  std::size_t max_outbound_bytes = 8 * 1024 * 1024;  // queued, not yet sent
  std::size_t recv_chunk = 16 * 1024;               // most bytes asked for per read
  std::size_t send_batch_bytes = 64 * 1024;         // gathered per send, at least one buffer
  // Writing on the calling thread (tcp://) hands over to the send aio after this long.
  std::chrono::microseconds inline_write_time{1000};
  nng_duration send_timeout_ms = 30'000;            // one batch not written by then: close
  // Lingering close: after the core's close, read and discard until nothing came for
  // linger_quiet_ms, or at most linger_max_ms, before closing the stream. Closing with
  // unread bytes makes the kernel send a reset, which can destroy the reason code the
  // peer has not read yet.
  nng_duration linger_quiet_ms = 50;
  nng_duration linger_max_ms = 2'000;
};

// connection is shared: the server's table, pending verdict callbacks and running nng
// callbacks hold it. It is destroyed once finished and the last holder lets go.
class connection : public std::enable_shared_from_this<connection> {
 public:
  connection(connection_id id, stream_handle stream, std::string_view transport,
             connection_host& host, const connection_limits& limits);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  // start opens the session with the core and posts the first read. Call once, after
  // the connection is in the host's table.
  void start();

  // carry_out takes one of the core's send or close actions for this connection. Core
  // calls on other threads may hand them over out of order; they are carried out in seq
  // order (action::seq), the later ones held until the gap is filled.
  //
  // A send queues the bytes; past max_outbound_bytes the connection is closed with a log
  // line instead. A close stops feeding the session; the stream closes once everything
  // queued is written and the linger is over. Returns true when the caller now owns the
  // write and must call write() once it has handed over its other actions, so they go
  // out in one gathered write. May report to the host, so call it with no lock held.
  bool carry_out(const action& a);
  // write sends what is queued; only after carry_out returned true. Over tcp:// it
  // writes on this thread while the socket takes bytes; when it is full, or over another
  // transport, send_aio_ waits for room and on_send_done carries on.
  void write();
  // abort closes the stream now, dropping what is queued, and logs `why`.
  void abort(std::string_view why);

  connection_id id() const { return id_; }
  // peer is "address:port" for logs.
  const std::string& peer() const { return peer_; }

 private:
  enum class verdict_state : std::uint8_t { none, asking, waiting, ready };

  void on_recv_done();
  void on_send_done();

  // ---- read chain: one thread at a time (the recv callback, or a verdict's thread)
  void post_recv();
  // set_rx_iov points `aio` at the free part of the read buffer.
  void set_rx_iov(nng_aio* aio);
  // took_read handles one read's outcome: true when its bytes are there to feed; false
  // when the read chain ended (error, end of stream) or turned to lingering.
  bool took_read(int rv);
  // read_inline reads on this thread when bytes are waiting (tcp:// only); otherwise it
  // posts the callback read (or the chain ended) and returns nullopt.
  std::optional<std::size_t> read_inline();
  // feed hands `n` bytes of the read buffer to the session.
  next_step feed(std::size_t n, action_list& out);
  // carry_on acts on what the session needs next, until the chain waits for a read or a
  // verdict, or ends. `out` holds actions not yet carried out.
  void carry_on(next_step step, action_list& out);
  // ask puts the session's question to the host; returns the verdict when it came back
  // at once, or nullopt when it comes later (on_verdict then carries on). Before it
  // hands the chain over it carries out `out`.
  std::optional<connection_host::verdict> ask(action_list& out);
  void on_verdict(connection_host::verdict v);
  next_step answer(const connection_host::verdict& v, action_list& out);
  bool close_requested();
  // linger / on_linger_read: the core closed the connection; read and discard until the
  // peer closes, goes quiet, or the linger time is over, then let maybe_finish close.
  void linger();
  void post_linger_read();
  void on_linger_read(int rv, std::size_t n);

  // ---- write side
  // set_tx_iov points `aio` at the prepared batch.
  void set_tx_iov(nng_aio* aio);
  // finish_write takes one write's outcome; true when another batch is prepared (the
  // caller writes it), otherwise it has run maybe_finish.
  bool finish_write(int rv, std::size_t n);
  // queue_locked / close_after_flush_locked carry out one action, in seq order.
  void queue_locked(shared_bytes bytes);
  void close_after_flush_locked();
  // claim_write_locked makes the caller the owner of the write when none is running and
  // something is queued (tx_pending_); returns whether it did.
  bool claim_write_locked();
  // prepare_batch_locked builds the next gathered batch in tx_iov_; false when the queue
  // is empty.
  bool prepare_batch_locked();
  void close_stream_locked();
  void drop_queue_locked();
  // maybe_finish tells the session (and so the core) the connection is closed once the
  // read chain is done with it, and the host it is finished once no I/O is left.
  void maybe_finish();

  const connection_id id_;
  stream_handle stream_;
  connection_host& host_;
  const connection_limits limits_;
  // tcp:// streams complete I/O inline (see inline_aio); the other transports layer
  // their own aios and do not.
  const bool inline_io_;
  std::string peer_;

  // Read chain state: touched only by whichever thread runs the read chain.
  client_connection session_;
  // Read buffer: starts small so idle connections stay cheap, doubles (up to
  // limits_.recv_chunk) whenever a read fills it.
  std::vector<std::uint8_t> rx_buf_ = std::vector<std::uint8_t>(1024);
  std::chrono::steady_clock::time_point linger_until_{};
  inline_read_gate inline_gate_;
  aio_handle<connection, &connection::on_recv_done> recv_aio_;

  // Shared state, under mu_.
  std::mutex mu_;
  verdict_state verdict_ = verdict_state::none;
  std::optional<connection_host::verdict> early_verdict_;  // came back during ask()
  std::deque<shared_bytes> tx_queue_;
  std::size_t tx_offset_ = 0;       // bytes of tx_queue_.front() already written
  std::size_t tx_queued_bytes_ = 0;  // bytes in tx_queue_ not yet written
  // nng 1.5.2 takes at most 8 iovs per aio (nng_aio_set_iov: NNG_EINVAL above that), so
  // a batch is at most that many buffers (see nng_max_iovs).
  std::array<nng_iov, nng_max_iovs> tx_iov_{};
  unsigned tx_iov_count_ = 0;
  bool tx_pending_ = false;
  bool close_requested_ = false;  // the core asked to close after flush
  bool stream_closed_ = false;
  bool rx_done_ = false;          // the session is fed nothing more
  bool lingering_ = false;        // a discarding read is pending
  std::uint64_t next_seq_ = 0;    // seq of the next action to carry out
  std::map<std::uint64_t, action> early_;  // later actions, held until their turn
  bool closed_reported_ = false;
  bool closed_report_done_ = false;  // the session's closed() has returned
  bool finished_ = false;
  aio_handle<connection, &connection::on_send_done> send_aio_;
};

}  // namespace mqtt::broker::net
