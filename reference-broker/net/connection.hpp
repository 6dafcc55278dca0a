// connection.hpp: one MQTT network connection as an actor: it reads bytes from its nng
// stream into a codec::framer, asks the authorizer about CONNECT / PUBLISH / SUBSCRIBE,
// hands packets to its host (the server, which owns the broker core), and writes what
// the core sends it in gathered batches, with a cap on queued outbound bytes.
#pragma once

#include <array>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "codec/framer.hpp"
#include "reference-broker/core/broker_core.hpp"
#include "reference-broker/net/connection_authorizer.hpp"
#include "reference-broker/net/fault_header_rewriter.hpp"
#include "reference-broker/net/nng_handles.hpp"

namespace mqtt::broker::net {

// connection_host is what a connection reports to. The server implements it around the
// broker core; tests can implement it with a stub. Calls come from nng task threads and
// from authorizer threads, never while the connection holds its own lock.
class connection_host {
 public:
  virtual ~connection_host() = default;
  // handle_connect passes the first CONNECT with the authorizer's verdict (or a later
  // CONNECT, which the core refuses, with an "allowed" verdict).
  virtual void handle_connect(connection_id conn, codec::connect_packet&& p,
                              const auth_verdict& verdict) = 0;
  // handle_packet passes any other packet; `acl` as broker_core::receive takes it.
  virtual void handle_packet(connection_id conn, codec::packet&& p, const acl_verdicts& acl) = 0;
  // handle_reject passes a decode failure; nothing more is read from the connection.
  virtual void handle_reject(connection_id conn, const codec::decode_result& failure) = 0;
  virtual void handle_bytes_received(std::size_t n) = 0;
  // client_id_of returns the ClientID in force once CONNECT was accepted.
  virtual std::string client_id_of(connection_id conn) = 0;
  // handle_closed: the connection reads nothing more and its stream is closed or
  // closing. Called exactly once.
  virtual void handle_closed(connection_id conn) = 0;
  // handle_finished: no I/O of this connection is pending any more; drop it. Called
  // exactly once, after handle_closed.
  virtual void handle_finished(connection_id conn) = 0;
  // begin_batch / end_batch bracket the packets of one read: the host may hold back the
  // actions of the calls in between and carry them out together at end_batch, so a
  // connection gets one gathered write per read instead of one per packet. They nest.
  // The host must outlive a batch in progress even when the connection finishes on
  // another thread before end_batch is called.
  virtual void begin_batch() {}
  virtual void end_batch() {}
};

struct connection_limits {
  codec::decode_limits decode;                      // max_packet_size = config's
  std::size_t max_outbound_bytes = 8 * 1024 * 1024;  // queued, not yet sent
  std::size_t recv_chunk = 16 * 1024;               // most bytes asked for per read
  std::size_t send_batch_bytes = 64 * 1024;         // gathered per send, at least one buffer
  nng_duration send_timeout_ms = 30'000;            // one batch not written by then: close
  std::uint16_t topic_alias_maximum = 0;            // as announced in CONNACK
};

// connection is shared: the server's table, pending verdict callbacks and running nng
// callbacks hold it. It is destroyed once finished and the last holder lets go.
class connection : public std::enable_shared_from_this<connection> {
 public:
  connection(connection_id id, stream_handle stream, std::string_view transport,
             connection_host& host, connection_authorizer& authorizer,
             const connection_limits& limits);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  // start posts the first read. Call once, after the core knows the connection.
  void start();

  // carry_out takes one of the core's send or close actions for this connection. Core
  // calls on other threads may hand them over out of order; they are carried out in seq
  // order (action::seq), the later ones held until the gap is filled.
  //
  // A send queues the bytes; past max_outbound_bytes the connection is closed with a log
  // line instead. A close stops reading and closes the stream once everything queued is
  // written. Returns true when the caller now owns the write and must call write() once
  // it has handed over its other actions, so they go out in one gathered write. May
  // report to the host (handle_closed/handle_finished), so call it with no lock held.
  bool carry_out(const action& a);
  // write sends what is queued; only after carry_out returned true. Over tcp:// it
  // writes on this thread while the socket takes bytes; when it is full, or over another
  // transport, send_aio_ waits for room and on_send_done carries on.
  void write();
  // abort closes the stream now, dropping what is queued, and logs `why`. Never calls
  // the host.
  void abort(std::string_view why);

  connection_id id() const { return id_; }
  // peer is "address:port" for logs.
  const std::string& peer() const { return peer_; }

 private:
  enum class verdict_state : std::uint8_t { none, asking, waiting, ready };

  void on_recv_done();
  void on_send_done();

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

  void post_recv();
  // set_rx_iov points `aio` at the free part of the read buffer.
  void set_rx_iov(nng_aio* aio);
  // took_read handles one read's outcome: feeds the bytes to the framer (true), or ends
  // the read chain on an error or the end of the stream (false).
  bool took_read(int rv, std::size_t n);
  // read_inline reads on this thread when bytes are waiting (tcp:// only) and feeds them
  // to the framer (true); otherwise it posts the callback read, or the read chain ended,
  // and it returns false.
  bool read_inline();
  // process pulls packets out of the framer until it needs more bytes, waits for a
  // verdict, or the connection closes. Runs on the read chain only.
  void process();
  enum class read_step : std::uint8_t { read_more, verdict_pending, stop };
  // process_batch is one batch of process(): packets until one of those happens.
  read_step process_batch();
  // ask_and_deliver holds `held_`, asks the authorizer via `ask`, and delivers at once
  // when the verdict came back during the call. Returns false when the verdict is pending
  // (the read chain then continues in on_verdict).
  template <class Ask>
  bool ask_and_deliver(Ask&& ask);
  void on_verdict(std::optional<auth_verdict> connect, acl_verdicts acl);
  void deliver_held();
  void resolve_topic_alias(codec::publish_packet& p);
  void stop_reading();
  // prepare_batch_locked builds the next gathered batch in tx_iov_; false when the queue
  // is empty.
  bool prepare_batch_locked();
  void close_stream_locked();
  void drop_queue_locked();
  void maybe_finish();

  const connection_id id_;
  stream_handle stream_;
  connection_host& host_;
  connection_authorizer& authorizer_;
  const connection_limits limits_;
  // tcp:// streams complete I/O inline (see inline_aio); the other transports layer
  // their own aios and do not.
  const bool inline_io_;
  std::string peer_;
  peer_identity identity_;  // read chain only

  // Read chain state: touched only by whichever thread runs the read chain (the recv
  // callback or the verdict callback), one at a time.
  codec::framer framer_;
  // Read buffer: starts small so idle connections stay cheap, doubles (up to
  // limits_.recv_chunk) whenever a read fills it.
  std::vector<std::uint8_t> rx_buf_ = std::vector<std::uint8_t>(1024);
#if defined(MQTTCERT_FAULTS)
  fault_header_rewriter fault_rewriter_;  // mqtt-refbroker-faulty only
#endif
  bool connect_seen_ = false;
  std::optional<codec::packet> held_;  // the packet waiting for its verdict
  std::unordered_map<std::uint16_t, std::string> inbound_aliases_;
  aio_handle<connection, &connection::on_recv_done> recv_aio_;
  inline_aio inline_rx_;

  // Shared state, under mu_.
  std::mutex mu_;
  verdict_state verdict_ = verdict_state::none;
  std::optional<auth_verdict> connect_verdict_;
  acl_verdicts acl_verdict_;
  std::deque<shared_bytes> tx_queue_;
  std::size_t tx_offset_ = 0;       // bytes of tx_queue_.front() already written
  std::size_t tx_queued_bytes_ = 0;  // bytes in tx_queue_ not yet written
  std::array<nng_iov, 16> tx_iov_{};
  unsigned tx_iov_count_ = 0;
  bool tx_pending_ = false;
  bool close_requested_ = false;  // core (or a decode failure) asked to close after flush
  bool stream_closed_ = false;
  bool rx_done_ = false;          // the read chain has stopped for good
  std::uint64_t next_seq_ = 0;    // seq of the next action to carry out
  std::map<std::uint64_t, action> early_;  // later actions, held until their turn
  bool closed_reported_ = false;
  bool closed_report_done_ = false;  // handle_closed has returned
  bool finished_ = false;
  aio_handle<connection, &connection::on_send_done> send_aio_;
  inline_aio inline_tx_;  // used only by the thread that owns the write
};

}  // namespace mqtt::broker::net
