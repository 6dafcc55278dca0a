// connection.cpp: the per-connection actor: read chain, verdicts, gathered writes.
#include "reference-broker/net/connection.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <variant>

#include "reference-broker/net/log_sink.hpp"

namespace mqtt::broker::net {

namespace {

// fill_peer reads the remote address of `s` into `who`; leaves it empty when the
// transport cannot tell.
void fill_peer(nng_stream* s, peer_identity& who) {
  nng_sockaddr sa{};
  if (s == nullptr || nng_stream_get_addr(s, NNG_OPT_REMADDR, &sa) != 0) return;
  char text[INET6_ADDRSTRLEN] = {};
  if (sa.s_family == NNG_AF_INET) {
    inet_ntop(AF_INET, &sa.s_in.sa_addr, text, sizeof text);
    who.peer_port = ntohs(sa.s_in.sa_port);
  } else if (sa.s_family == NNG_AF_INET6) {
    inet_ntop(AF_INET6, sa.s_in6.sa_addr, text, sizeof text);
    who.peer_port = ntohs(sa.s_in6.sa_port);
  }
  who.peer_address = text;
}

std::string format_peer(const peer_identity& who) {
  if (who.peer_address.empty()) return "unknown";
  if (who.peer_address.find(':') != std::string::npos) {
    return "[" + who.peer_address + "]:" + std::to_string(who.peer_port);
  }
  return who.peer_address + ":" + std::to_string(who.peer_port);
}

}  // namespace

connection::connection(connection_id id, stream_handle stream, std::string_view transport,
                       connection_host& host, connection_authorizer& authorizer,
                       const connection_limits& limits)
    : id_(id),
      stream_(std::move(stream)),
      host_(host),
      authorizer_(authorizer),
      limits_(limits),
      inline_io_(transport == "tcp"),
      framer_(codec::protocol_version::v5_0, limits.decode),
      recv_aio_(this),
      send_aio_(this) {
  identity_.conn = id;
  identity_.transport = std::string(transport);
  fill_peer(stream_.get(), identity_);
  peer_ = format_peer(identity_);
  nng_aio_set_timeout(send_aio_.get(), limits_.send_timeout_ms);
}

// By the time the last holder lets go, handle_finished has run: no aio is pending.
connection::~connection() = default;

void connection::start() { post_recv(); }

// ---------------------------------------------------------------- read chain

void connection::post_recv() {
  bool done = false;
  {
    std::lock_guard lock(mu_);
    if (close_requested_ || stream_closed_) done = rx_done_ = true;
  }
  if (done) {
    maybe_finish();
    return;
  }
  set_rx_iov(recv_aio_.get());
  nng_stream_recv(stream_.get(), recv_aio_.get());
  // A close carried out on another thread since the check above cancelled no read (none
  // was posted yet); cancel this one, or it would wait for the peer until the flush ends.
  bool closing = false;
  {
    std::lock_guard lock(mu_);
    closing = close_requested_;
  }
  if (closing) recv_aio_.cancel();
}

void connection::set_rx_iov(nng_aio* aio) {
  nng_iov iov{rx_buf_.data(), std::min(limits_.recv_chunk, rx_buf_.size())};
  nng_aio_set_iov(aio, 1, &iov);
}

void connection::on_recv_done() {
  // Keep us alive: the table may drop us in maybe_finish(). No owner left means the
  // destructor is stopping this aio right now; there is nothing to do.
  auto self = weak_from_this().lock();
  if (!self) return;
  if (took_read(recv_aio_.result(), recv_aio_.count())) process();
}

bool connection::read_inline() {
  bool closing = false;
  {
    std::lock_guard lock(mu_);
    closing = close_requested_ || stream_closed_;
  }
  if (!closing) {
    const auto r = inline_rx_.attempt([&](nng_aio* aio) {
      set_rx_iov(aio);
      nng_stream_recv(stream_.get(), aio);
    });
    if (!r.would_wait()) return took_read(r.result, r.count);
  }
  post_recv();  // also ends the read chain when closing
  return false;
}

bool connection::took_read(int rv, std::size_t n) {
  if (rv != 0) {
    {
      std::lock_guard lock(mu_);
      if (rv != NNG_ECANCELED && rv != NNG_ECLOSED && !stream_closed_ && !close_requested_) {
        log_line(log_level::debug, "event=read_error conn=" + std::to_string(id_) + " peer=" +
                                       peer_ + " error=\"" + nng_strerror(rv) + "\"");
      }
      // A read that ended (peer gone, reset, or our own cancel) ends the connection.
      if (!close_requested_) close_stream_locked();
      rx_done_ = true;
    }
    maybe_finish();
    return false;
  }
  host_.handle_bytes_received(n);
#if defined(MQTTCERT_FAULTS)
  fault_rewriter_.rewrite(std::span<std::uint8_t>(rx_buf_.data(), n));
#endif
  framer_.feed(codec::byte_view(rx_buf_.data(), n));
  if (n == rx_buf_.size() && rx_buf_.size() < limits_.recv_chunk) {
    rx_buf_.resize(std::min(rx_buf_.size() * 2, limits_.recv_chunk));
  }
  return true;
}

void connection::stop_reading() {
  {
    std::lock_guard lock(mu_);
    rx_done_ = true;
  }
  maybe_finish();
}

void connection::process() {
  // Reads taken on this thread before the read chain waits for the next callback, so
  // one busy connection does not keep a task thread from the others.
  constexpr int max_inline_reads = 16;
  int inline_reads = 0;
  for (;;) {
    // The packets of one read reach the host as one batch. Over tcp:// the batch is
    // carried out (its writes mostly done on this thread) and then the next read is tried
    // here too, while bytes are waiting. Otherwise the next read is posted before the batch
    // is carried out, so reading overlaps the writes of a fan-out (the host stays alive
    // for a batch in progress: see connection_host::end_batch). Before the read chain
    // stops or hands over to a verdict thread the batch ends first, so the stop and the
    // hand-over come after this read's actions.
    host_.begin_batch();
    const read_step step = process_batch();
    if (step == read_step::read_more) {
      if (inline_io_ && inline_reads < max_inline_reads) {
        host_.end_batch();
        ++inline_reads;
        if (read_inline()) continue;
        return;
      }
      post_recv();
      host_.end_batch();
      return;
    }
    host_.end_batch();
    if (step == read_step::stop) {
      stop_reading();
      return;
    }
    // verdict_pending
    std::unique_lock lock(mu_);
    if (verdict_ != verdict_state::ready) {
      // The verdict comes later, from another thread, which then carries on reading;
      // reading pauses until then, so the packets behind this one keep their order.
      verdict_ = verdict_state::waiting;
      return;
    }
    // It came back while the batch ended: carry on here.
    verdict_ = verdict_state::none;
    lock.unlock();
    deliver_held();
  }
}

connection::read_step connection::process_batch() {
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (close_requested_ || stream_closed_) return read_step::stop;
    }
    codec::decode_result r = framer_.next();
    if (r.status == codec::decode_status::need_more) return read_step::read_more;
    if (r.status != codec::decode_status::ok) {
      log_line(log_level::debug, "event=decode_error conn=" + std::to_string(id_) +
                                     " peer=" + peer_ + " why=\"" + r.why + "\"");
      // The core answers with its reason code and a close; nothing more is read.
      host_.handle_reject(id_, r);
      return read_step::stop;
    }
    codec::packet p = std::move(*r.value);
    if (auto* c = std::get_if<codec::connect_packet>(&p)) {
      if (connect_seen_) {
        // A second CONNECT is a Protocol Error [MQTT-3.1.0-2]; the core says so.
        host_.handle_connect(id_, std::move(*c), auth_verdict{true, codec::reason_code::success});
        continue;
      }
      connect_seen_ = true;
      identity_.client_id = c->client_id;
      identity_.username = c->username;
      identity_.version = c->version;
      held_ = std::move(p);
      const bool now = ask_and_deliver([&] {
        authorizer_.authenticate(identity_, std::get<codec::connect_packet>(*held_),
                                 [self = shared_from_this()](auth_verdict v) {
                                   self->on_verdict(v, {});
                                 });
      });
      if (!now) return read_step::verdict_pending;
      continue;
    }
    // ACL checks apply once the client is in; before that the core refuses the packet.
    const bool connected = connect_seen_ && !identity_.client_id.empty();
    if (connected && std::holds_alternative<codec::publish_packet>(p)) {
      resolve_topic_alias(std::get<codec::publish_packet>(p));
      held_ = std::move(p);
      const bool now = ask_and_deliver([&] {
        authorizer_.authorize_publish(identity_, std::get<codec::publish_packet>(*held_),
                                      [self = shared_from_this()](acl_verdicts v) {
                                        self->on_verdict(std::nullopt, std::move(v));
                                      });
      });
      if (!now) return read_step::verdict_pending;
      continue;
    }
    if (connected && std::holds_alternative<codec::subscribe_packet>(p)) {
      held_ = std::move(p);
      const bool now = ask_and_deliver([&] {
        authorizer_.authorize_subscribe(identity_, std::get<codec::subscribe_packet>(*held_),
                                        [self = shared_from_this()](acl_verdicts v) {
                                          self->on_verdict(std::nullopt, std::move(v));
                                        });
      });
      if (!now) return read_step::verdict_pending;
      continue;
    }
    const bool is_auth = std::holds_alternative<codec::auth_packet>(p);
    host_.handle_packet(id_, std::move(p), {});
    // An AUTH may have ended an enhanced authentication with CONNACK: from the next
    // packet on, ACL checks apply with the ClientID in force.
    if (is_auth && connect_seen_ && identity_.client_id.empty()) {
      identity_.client_id = host_.client_id_of(id_);
    }
  }
}

// resolve_topic_alias keeps this connection's inbound Topic Alias map and fills in the
// Topic Name of an alias-only PUBLISH, so the ACL check sees the real topic (3.3.2.3.4).
// Sending the core the Topic Name with the same alias sets the same mapping again, so
// this changes nothing for it; an unknown or out-of-range alias is left for the core to
// refuse (Topic Alias invalid).
void connection::resolve_topic_alias(codec::publish_packet& p) {
  if (!p.props.topic_alias) return;
  const std::uint16_t alias = *p.props.topic_alias;
  if (alias == 0 || alias > limits_.topic_alias_maximum) return;
  if (!p.topic.empty()) {
    inbound_aliases_[alias] = p.topic;
  } else if (auto it = inbound_aliases_.find(alias); it != inbound_aliases_.end()) {
    p.topic = it->second;
  }
}

template <class Ask>
bool connection::ask_and_deliver(Ask&& ask) {
  {
    std::lock_guard lock(mu_);
    verdict_ = verdict_state::asking;
  }
  ask();
  {
    std::lock_guard lock(mu_);
    // Still asking: process() decides, once its batch has ended, whether the verdict came
    // meanwhile or the read chain hands over to the verdict's thread.
    if (verdict_ != verdict_state::ready) return false;
    verdict_ = verdict_state::none;
  }
  deliver_held();
  return true;
}

void connection::on_verdict(std::optional<auth_verdict> connect, acl_verdicts acl) {
  {
    std::lock_guard lock(mu_);
    connect_verdict_ = connect;
    acl_verdict_ = std::move(acl);
    if (verdict_ == verdict_state::asking) {
      verdict_ = verdict_state::ready;  // ask_and_deliver delivers on its own thread
      return;
    }
    verdict_ = verdict_state::none;
  }
  // The read chain continues here, on the authorizer's thread.
  bool closing = false;
  {
    std::lock_guard lock(mu_);
    closing = close_requested_ || stream_closed_;
  }
  if (closing) {
    held_.reset();
    stop_reading();
    return;
  }
  deliver_held();
  process();
}

void connection::deliver_held() {
  std::optional<auth_verdict> cv;
  acl_verdicts acl;
  {
    std::lock_guard lock(mu_);
    cv = connect_verdict_;
    acl = std::move(acl_verdict_);
    connect_verdict_.reset();
    acl_verdict_.clear();
  }
  codec::packet p = std::move(*held_);
  held_.reset();
  if (auto* c = std::get_if<codec::connect_packet>(&p)) {
    const auth_verdict v = cv.value_or(auth_verdict{false, codec::reason_code::not_authorized});
    if (!v.allowed) {
      log_line(log_level::info, "event=auth_denied conn=" + std::to_string(id_) + " peer=" +
                                    peer_ + " client_id=\"" + identity_.client_id + "\"");
    }
    host_.handle_connect(id_, std::move(*c), v);
    // The core may have assigned the ClientID; ACL checks use the one in force. Empty
    // means refused, and then nothing is authorized.
    identity_.client_id = v.allowed ? host_.client_id_of(id_) : std::string();
    return;
  }
  host_.handle_packet(id_, std::move(p), acl);
}

// ---------------------------------------------------------------- write side

bool connection::carry_out(const action& a) {
  bool claimed = false;
  bool closing = false;
  {
    std::lock_guard lock(mu_);
    if (a.seq != next_seq_) {
      early_.emplace(a.seq, a);
      return false;
    }
    auto step = [&](const action& next) {
      if (next.what == action::kind::send) {
        queue_locked(next.bytes);
        queue_locked(next.tail);
      } else {
        // Claimed first, so the close waits for what is queued.
        claimed = claim_write_locked() || claimed;
        close_after_flush_locked();
        closing = true;
      }
      ++next_seq_;
    };
    step(a);
    for (auto it = early_.begin(); it != early_.end() && it->first == next_seq_;
         it = early_.erase(it)) {
      step(it->second);
    }
    claimed = claim_write_locked() || claimed;
  }
  if (closing) {
    // Stop reading now; a pending read ends with NNG_ECANCELED and the read chain stops.
    recv_aio_.cancel();
    // When the read chain had stopped already (a decode failure), nothing else will.
    maybe_finish();
  }
  return claimed;
}

void connection::queue_locked(shared_bytes bytes) {
  if (!bytes || bytes->empty() || stream_closed_) return;
  if (tx_queued_bytes_ + bytes->size() > limits_.max_outbound_bytes) {
    log_line(log_level::warn, "event=close conn=" + std::to_string(id_) + " peer=" + peer_ +
                                  " reason=\"outbound queue over " +
                                  std::to_string(limits_.max_outbound_bytes) +
                                  " bytes (slow consumer)\"");
    close_stream_locked();
    return;
  }
  tx_queued_bytes_ += bytes->size();
  tx_queue_.push_back(std::move(bytes));
}

bool connection::claim_write_locked() {
  if (tx_pending_ || stream_closed_) return false;
  tx_pending_ = prepare_batch_locked();
  return tx_pending_;
}

bool connection::prepare_batch_locked() {
  unsigned n = 0;
  std::size_t total = 0;
  for (std::size_t i = 0; i < tx_queue_.size() && n < tx_iov_.size(); ++i) {
    const auto& b = *tx_queue_[i];
    const std::size_t skip = (i == 0) ? tx_offset_ : 0;
    if (n > 0 && total + (b.size() - skip) > limits_.send_batch_bytes) break;
    tx_iov_[n].iov_buf = const_cast<std::uint8_t*>(b.data() + skip);
    tx_iov_[n].iov_len = b.size() - skip;
    total += tx_iov_[n].iov_len;
    ++n;
  }
  tx_iov_count_ = n;
  return n > 0;
}

void connection::set_tx_iov(nng_aio* aio) {
  if (nng_aio_set_iov(aio, tx_iov_count_, tx_iov_.data()) != 0) {
    // More than 4 iovs may need memory; fall back to one buffer per send.
    nng_aio_set_iov(aio, 1, tx_iov_.data());
  }
}

void connection::write() {
  while (inline_io_) {
    const auto r = inline_tx_.attempt([&](nng_aio* aio) {
      set_tx_iov(aio);
      nng_stream_send(stream_.get(), aio);
    });
    if (r.would_wait()) break;
    if (!finish_write(r.result, r.count)) return;
  }
  set_tx_iov(send_aio_.get());
  nng_stream_send(stream_.get(), send_aio_.get());
}

void connection::on_send_done() {
  auto self = weak_from_this().lock();  // see on_recv_done
  if (!self) return;
  if (finish_write(send_aio_.result(), send_aio_.count())) write();
}

bool connection::finish_write(int rv, std::size_t n) {
  bool more = false;
  {
    std::lock_guard lock(mu_);
    if (rv != 0) {
      if (!stream_closed_ && rv != NNG_ECLOSED) {
        log_line(rv == NNG_ETIMEDOUT ? log_level::warn : log_level::debug,
                 "event=write_error conn=" + std::to_string(id_) + " peer=" + peer_ +
                     " error=\"" + nng_strerror(rv) + "\"");
      }
      tx_pending_ = false;
      close_stream_locked();
      drop_queue_locked();
    } else {
      // A write may be partial: drop what went out and resume inside the front buffer.
      tx_queued_bytes_ -= n;
      while (n > 0 && !tx_queue_.empty()) {
        const std::size_t left = tx_queue_.front()->size() - tx_offset_;
        if (n < left) {
          tx_offset_ += n;
          n = 0;
        } else {
          n -= left;
          tx_offset_ = 0;
          tx_queue_.pop_front();
        }
      }
      if (!stream_closed_) more = prepare_batch_locked();
      tx_pending_ = more;
      if (!more && close_requested_) close_stream_locked();
      if (stream_closed_) drop_queue_locked();
    }
  }
  if (!more) maybe_finish();
  return more;
}

// ---------------------------------------------------------------- closing

void connection::close_after_flush_locked() {
  if (close_requested_ || stream_closed_) return;
  close_requested_ = true;
  if (!tx_pending_) close_stream_locked();
}

void connection::abort(std::string_view why) {
  std::lock_guard lock(mu_);
  if (stream_closed_) return;
  log_line(log_level::info, "event=close conn=" + std::to_string(id_) + " peer=" + peer_ +
                                " reason=\"" + std::string(why) + "\"");
  close_stream_locked();
}

void connection::close_stream_locked() {
  if (stream_closed_) return;
  stream_closed_ = true;
  // A write in progress still reads the queued buffers (nng may be inside sendmsg on
  // another thread): finish_write drops them once it has ended.
  if (!tx_pending_) drop_queue_locked();
  // Aborts pending reads and writes; their callbacks run with NNG_ECLOSED.
  stream_.close();
}

void connection::drop_queue_locked() {
  tx_queue_.clear();
  tx_queued_bytes_ = 0;
  tx_offset_ = 0;
}

void connection::maybe_finish() {
  bool report_closed = false;
  {
    std::lock_guard lock(mu_);
    if (!rx_done_ || (!close_requested_ && !stream_closed_)) return;
    if (!closed_reported_) report_closed = closed_reported_ = true;
  }
  if (report_closed) {
    host_.handle_closed(id_);
    std::lock_guard lock(mu_);
    closed_report_done_ = true;
  }
  // Finished only once handle_closed has returned: a write ending on another thread
  // meanwhile must not let the server drop the connection (and shut down) while the
  // core is still handling its close.
  bool finish = false;
  {
    std::lock_guard lock(mu_);
    if (closed_report_done_ && !tx_pending_ && !finished_) {
      // A close asked for after flush may still have its stream open here (nothing was
      // queued); close it now so the peer sees the end.
      close_stream_locked();
      finish = finished_ = true;
    }
  }
  if (finish) host_.handle_finished(id_);
}

}  // namespace mqtt::broker::net
