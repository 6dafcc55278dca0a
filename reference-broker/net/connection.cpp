// connection.cpp: the per-connection actor: read chain, verdicts, gathered writes,
// lingering close.
#include "reference-broker/net/connection.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <utility>
#include <variant>

#include "reference-broker/net/log_sink.hpp"

namespace mqtt::broker::net {

namespace {

// identity_of is what the connection knows of its peer before CONNECT: the remote
// address of `s` (empty when the transport cannot tell) and the transport.
peer_identity identity_of(nng_stream* s, connection_id id, std::string_view transport) {
  peer_identity who;
  who.conn = id;
  who.transport = std::string(transport);
  nng_sockaddr sa{};
  if (s == nullptr || nng_stream_get_addr(s, NNG_OPT_REMADDR, &sa) != 0) return who;
  char text[INET6_ADDRSTRLEN] = {};
  if (sa.s_family == NNG_AF_INET) {
    inet_ntop(AF_INET, &sa.s_in.sa_addr, text, sizeof text);
    who.peer_port = ntohs(sa.s_in.sa_port);
  } else if (sa.s_family == NNG_AF_INET6) {
    inet_ntop(AF_INET6, sa.s_in6.sa_addr, text, sizeof text);
    who.peer_port = ntohs(sa.s_in6.sa_port);
  }
  who.peer_address = text;
  return who;
}

// host_scope brackets one callback's work for the host (connection_host::enter).
struct host_scope {
  explicit host_scope(connection_host& h) : host(h) { host.enter(); }
  ~host_scope() { host.leave(); }
  connection_host& host;
};

}  // namespace

connection::connection(connection_id id, stream_handle stream, std::string_view transport,
                       connection_host& host, const connection_limits& limits)
    : id_(id),
      stream_(std::move(stream)),
      host_(host),
      limits_(limits),
      inline_io_(transport == "tcp"),
      session_(host.core(), identity_of(stream_.get(), id, transport)),
      recv_aio_(this),
      send_aio_(this) {
  peer_ = address_and_port(session_.who());
  nng_aio_set_timeout(send_aio_.get(), limits_.send_timeout_ms);
}

// By the time the last holder lets go, handle_finished has run: no aio is pending.
connection::~connection() = default;

void connection::start() {
  host_scope scope(host_);
  action_list out;
  session_.open(host_.now(), out);
  host_.dispatch(out);
  post_recv();
}

// ---------------------------------------------------------------- read chain

bool connection::close_requested() {
  std::lock_guard lock(mu_);
  return close_requested_ || stream_closed_;
}

void connection::post_recv() {
  if (close_requested()) {
    linger();
    return;
  }
  set_rx_iov(recv_aio_.get());
  nng_aio_set_timeout(recv_aio_.get(), NNG_DURATION_INFINITE);
  nng_stream_recv(stream_.get(), recv_aio_.get());
  // A close carried out on another thread since the check above cancelled no read (none
  // was posted yet); cancel this one, or it would wait for the peer before lingering.
  if (close_requested()) recv_aio_.cancel();
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
  host_scope scope(host_);
  const int rv = recv_aio_.result();
  const std::size_t n = recv_aio_.count();
  bool lingering = false;
  {
    std::lock_guard lock(mu_);
    lingering = lingering_;
  }
  if (lingering) {
    on_linger_read(rv, n);
    return;
  }
  if (!took_read(rv)) return;
  if (close_requested()) {  // closed meanwhile (a takeover): these bytes go unread
    linger();
    return;
  }
  action_list out;
  const next_step step = feed(n, out);
  carry_on(step, out);
}

std::optional<std::size_t> connection::read_inline() {
  if (!close_requested()) {
    const auto r = this_thread_inline_aio().attempt([&](nng_aio* aio) {
      set_rx_iov(aio);
      nng_stream_recv(stream_.get(), aio);
    });
    if (!r.would_wait()) {
      inline_gate_.hit();
      if (took_read(r.result)) return r.count;
      return std::nullopt;
    }
    inline_gate_.missed();
  }
  post_recv();  // also lingers when closing
  return std::nullopt;
}

bool connection::took_read(int rv) {
  if (rv == 0) return true;
  bool closing = false;
  {
    std::lock_guard lock(mu_);
    closing = close_requested_ && !stream_closed_;
    if (!closing) {
      if (rv != NNG_ECANCELED && rv != NNG_ECLOSED && !stream_closed_) {
        log_line(log_level::debug, "event=read_error conn=" + std::to_string(id_) + " peer=" +
                                       peer_ + " error=\"" + nng_strerror(rv) + "\"");
      }
      // A read that ended (peer gone, reset, or our own close) ends the connection.
      close_stream_locked();
      rx_done_ = true;
    }
  }
  // Our own cancel after the core's close: linger instead.
  if (closing && rv == NNG_ECANCELED) {
    linger();
  } else {
    if (closing) {
      std::lock_guard lock(mu_);
      close_stream_locked();  // the peer went away first: nothing to linger for
      rx_done_ = true;
    }
    maybe_finish();
  }
  return false;
}

next_step connection::feed(std::size_t n, action_list& out) {
  const next_step step = session_.feed(codec::byte_view(rx_buf_.data(), n), host_.now(), out);
  if (n == rx_buf_.size() && rx_buf_.size() < limits_.recv_chunk) {
    rx_buf_.resize(std::min(rx_buf_.size() * 2, limits_.recv_chunk));
  }
  return step;
}

void connection::carry_on(next_step step, action_list& out) {
  // Reads taken on this thread before the read chain waits for the next callback, so
  // one busy connection does not keep a task thread from the others.
  constexpr int max_inline_reads = 16;
  int inline_reads = 0;
  for (;;) {
    if (step == next_step::ask) {
      auto v = ask(out);
      if (!v) return;  // on_verdict carries on
      step = answer(*v, out);
      continue;
    }
    if (step == next_step::stop) {
      // The session saw the core close us; that close is in `out` (or was carried out).
      host_.dispatch(out);
      linger();
      return;
    }
    // The actions of one read go out together. Over tcp:// they are carried out (their
    // writes mostly done on this thread) and the next read is tried here too, while bytes
    // are waiting. Otherwise the next read is posted first, so reading overlaps the
    // writes of a fan-out.
    if (inline_io_ && inline_reads < max_inline_reads) {
      host_.dispatch(out);
      out.clear();
      ++inline_reads;
      if (!inline_gate_.try_inline()) {
        post_recv();
        return;
      }
      const auto n = read_inline();
      if (!n) return;
      step = feed(*n, out);
      continue;
    }
    post_recv();
    host_.dispatch(out);
    return;
  }
}

std::optional<connection_host::verdict> connection::ask(action_list& out) {
  {
    std::lock_guard lock(mu_);
    verdict_ = verdict_state::asking;
  }
  // One callback of the authorizer's own type, capturing only the shared pointer (no
  // allocation in std::function), per question.
  const verdict_question q = session_.question();
  if (q.what == verdict_question::kind::connect) {
    host_.ask_connect(q, [self = shared_from_this()](auth_verdict v) { self->on_verdict(v); });
  } else {
    host_.ask_acl(q, [self = shared_from_this()](acl_verdicts v) { self->on_verdict(std::move(v)); });
  }
  auto take_ready_locked = [&]() -> std::optional<connection_host::verdict> {
    if (verdict_ != verdict_state::ready) return std::nullopt;
    verdict_ = verdict_state::none;
    return std::exchange(early_verdict_, std::nullopt);
  };
  {
    std::lock_guard lock(mu_);
    if (auto v = take_ready_locked()) return v;
  }
  // The verdict comes later, from another thread, which then carries on reading; reading
  // pauses until then, so the packets behind this one keep their order. This read's
  // actions go out first.
  host_.dispatch(out);
  out.clear();
  std::lock_guard lock(mu_);
  if (auto v = take_ready_locked()) return v;
  verdict_ = verdict_state::waiting;
  return std::nullopt;
}

void connection::on_verdict(connection_host::verdict v) {
  {
    std::lock_guard lock(mu_);
    if (verdict_ == verdict_state::asking) {
      early_verdict_ = std::move(v);
      verdict_ = verdict_state::ready;  // ask() takes it on its own thread
      return;
    }
    verdict_ = verdict_state::none;
  }
  // The read chain continues here, on the authorizer's thread.
  host_scope scope(host_);
  if (close_requested()) {
    linger();
    return;
  }
  action_list out;
  const next_step step = answer(v, out);
  carry_on(step, out);
}

next_step connection::answer(const connection_host::verdict& v, action_list& out) {
  if (const auto* connect = std::get_if<auth_verdict>(&v)) {
    return session_.answer_connect(*connect, host_.now(), out);
  }
  return session_.answer_acl(std::get<acl_verdicts>(v), host_.now(), out);
}

// ---------------------------------------------------------------- lingering close

void connection::linger() {
  bool post = false;
  {
    std::lock_guard lock(mu_);
    // The session is fed nothing more: maybe_finish may tell the core. Only the first
    // call lingers.
    const bool first = !rx_done_;
    rx_done_ = true;
    if (!close_requested_) close_after_flush_locked();  // the session stopped on its own
    if (first && !stream_closed_) {
      lingering_ = post = true;
      linger_until_ = std::chrono::steady_clock::now() +
                      std::chrono::milliseconds(limits_.linger_max_ms);
    }
  }
  if (post) post_linger_read();
  maybe_finish();
}

void connection::post_linger_read() {
  // Discard into the read buffer; a read that waits linger_quiet_ms for nothing ends it.
  set_rx_iov(recv_aio_.get());
  nng_aio_set_timeout(recv_aio_.get(), limits_.linger_quiet_ms);
  nng_stream_recv(stream_.get(), recv_aio_.get());
}

void connection::on_linger_read(int rv, std::size_t n) {
  if (rv == 0 && n > 0 && std::chrono::steady_clock::now() < linger_until_) {
    post_linger_read();
    return;
  }
  {
    std::lock_guard lock(mu_);
    lingering_ = false;
  }
  maybe_finish();
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
    // Stop feeding the session now: a pending read ends with NNG_ECANCELED and the read
    // chain lingers. A lingering read is left alone (the chain is already there).
    bool lingering = false;
    {
      std::lock_guard lock(mu_);
      lingering = lingering_;
    }
    if (!lingering) recv_aio_.cancel();
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
  // prepare_batch_locked gathers at most nng_max_iovs buffers, so this does not fail; if
  // it did, one buffer per send is still correct. (Batches of up to 16 once took that
  // path whenever a fan-in batch grew past 8: 2.4 sendmsg calls per QoS 1 delivery.)
  if (nng_aio_set_iov(aio, tx_iov_count_, tx_iov_.data()) != 0) {
    nng_aio_set_iov(aio, 1, tx_iov_.data());
  }
}

void connection::write() {
  // The thread that claimed the write keeps writing while other threads queue more. A
  // subscriber fed by many publishers can keep that up for seconds, holding the thread
  // and with it the read chain of the publisher whose message it was routing (a QoS 1
  // fan-in showed 0.2 s to 5 s stalls of one publisher). So after a short time the rest
  // goes to the send aio, which carries on from a task thread.
  const auto until = std::chrono::steady_clock::now() + limits_.inline_write_time;
  while (inline_io_) {
    const auto r = this_thread_inline_aio().attempt([&](nng_aio* aio) {
      set_tx_iov(aio);
      nng_stream_send(stream_.get(), aio);
    });
    if (r.would_wait()) break;
    if (!finish_write(r.result, r.count)) return;
    if (std::chrono::steady_clock::now() >= until) break;
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
      if (stream_closed_) drop_queue_locked();
    }
  }
  if (!more) maybe_finish();
  return more;
}

// ---------------------------------------------------------------- closing

void connection::close_after_flush_locked() {
  if (close_requested_ || stream_closed_) return;
  // The stream stays open until what is queued is written and the read chain has
  // lingered (maybe_finish closes it).
  close_requested_ = true;
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
    // The read chain feeds the session nothing more, so this thread may: the core hears
    // of the close now, while the stream may still linger.
    action_list out;
    session_.closed(host_.now(), out);
    host_.dispatch(out);
    std::lock_guard lock(mu_);
    closed_report_done_ = true;
  }
  // Finished only once the session's close has been handled: a write ending on another
  // thread meanwhile must not let the server drop the connection (and shut down) while
  // the core is still handling it.
  bool finish = false;
  {
    std::lock_guard lock(mu_);
    if (closed_report_done_ && !tx_pending_ && !lingering_ && !finished_) {
      // Written and lingered: close the stream so the peer sees the end.
      close_stream_locked();
      finish = finished_ = true;
    }
  }
  if (finish) host_.handle_finished(id_);
}

}  // namespace mqtt::broker::net
