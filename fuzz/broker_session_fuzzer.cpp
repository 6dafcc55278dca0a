// broker_session_fuzzer: drives three client_connection sessions (the same front door the
// network uses: framer, CONNECT gating, Topic Aliases, the verdict hold) over one broker
// core with a fake clock. The input is a list of operations:
//   byte op: bits 0-1 pick the connection, bits 2-3 the operation, bits 4-7 the verdicts
//     0: feed the next N bytes (N = following byte) to that connection
//     1: advance the clock by (following byte) * 100 ms and tick
//     2: drop the connection (network closed) and open a fresh one in its place
//     3: feed a canned CONNECT (5.0, session expiry 60 s, ClientID by connection) so
//        inputs get past the handshake
//   Each verdict question the feed raises is answered from bits 4-7 in turn: bit set =
//   allowed (CONNECT, or every topic), clear = an unset verdict, which must deny.
// Checks: no crash; every byte the core sends decodes as one whole packet in the
// connection's version; nothing is sent to a connection after the core closed it; a
// stopped session asks nothing more; a question always carries the packet it is about.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include <memory>

#include "reference-broker/core/broker_core.hpp"
#include "reference-broker/core/client_connection.hpp"

using namespace mqtt;
using namespace mqtt::codec;

namespace {

struct fake_connection {
  broker::connection_id id = 0;
  std::unique_ptr<broker::client_connection> link;
  bool closed = false;
};

struct session_run {
  broker::broker_core core;
  broker::millis now{0};
  std::array<fake_connection, 3> conns;
  broker::connection_id next_id = 1;

  session_run() : core(small_config()) {
    for (auto& c : conns) open(c);
  }

  static broker::broker_config small_config() {
    broker::broker_config config;
    config.max_queued_messages = 16;  // reach the bounds quickly
    config.max_inflight_messages = 4;
    config.receive_maximum = 4;
    config.maximum_packet_size = 4096;
    config.topic_alias_maximum = 4;
    config.sys_interval_ms = 1000;
    return config;
  }

  void open(fake_connection& c) {
    c.id = next_id++;
    broker::peer_identity who;
    who.conn = c.id;
    who.peer_address = "127.0.0.1";
    who.transport = "tcp";
    c.link = std::make_unique<broker::client_connection>(core, who);
    c.closed = false;
    broker::action_list out;
    c.link->open(now, out);
    apply(out);
  }

  fake_connection* find(broker::connection_id id) {
    for (auto& c : conns) {
      if (c.id == id) return &c;
    }
    return nullptr;
  }

  void apply(broker::action_list& out) {
    for (const auto& a : out) {
      fake_connection* c = find(a.conn);
      if (a.what == broker::action::kind::send) {
        if (!c) continue;  // a connection we already replaced
        if (c->closed) __builtin_trap();
        const byte_buffer sent = wire_bytes(a);
        const decode_result r = decode_packet(sent, core.version(c->id));
        if (r.status != decode_status::ok || r.consumed != sent.size()) __builtin_trap();
      } else if (a.what == broker::action::kind::close && c && !c->closed) {
        c->closed = true;
        broker::action_list more;
        c->link->closed(now, more);
        apply(more);
      }
    }
  }

  // feed gives `bytes` to the session and answers its questions from `verdict_bits`.
  void feed(fake_connection& c, byte_view bytes, unsigned verdict_bits) {
    if (c.closed) return;
    broker::action_list out;
    broker::next_step step = c.link->feed(bytes, now, out);
    for (unsigned bit = 0; step == broker::next_step::ask; bit = (bit + 1) % 4) {
      const broker::verdict_question q = c.link->question();
      if (q.packet == nullptr || q.who == nullptr) __builtin_trap();
      const bool allow = (verdict_bits >> bit) & 1;
      if (q.what == broker::verdict_question::kind::connect) {
        step = c.link->answer_connect(allow ? broker::auth_verdict::allow() : broker::auth_verdict{},
                                      now, out);
      } else {
        step = c.link->answer_acl(allow ? broker::acl_verdicts::allow_all() : broker::acl_verdicts{},
                                  now, out);
      }
    }
    apply(out);
    if (step == broker::next_step::stop) {
      // A stopped session reads and asks nothing more.
      broker::action_list after;
      if (c.link->feed(bytes, now, after) != broker::next_step::stop || !after.empty()) {
        __builtin_trap();
      }
    }
  }
};

// 10 13 0004 'MQTT' 05 00 (no clean start) 003C 05 11 0000003C 0001 'c' (Remaining Length 19)
const std::uint8_t canned_connect[] = {0x10, 0x13, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05,
                                       0x00, 0x00, 0x3C, 0x05, 0x11, 0x00, 0x00, 0x00,
                                       0x3C, 0x00, 0x01, 'c'};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  session_run run;
  std::size_t i = 0;
  while (i < size) {
    const std::uint8_t op = data[i++];
    fake_connection& c = run.conns[(op & 3) % 3];
    switch ((op >> 2) & 3) {
      case 0: {
        if (i >= size) return 0;
        const std::size_t want = data[i++];
        const std::size_t n = std::min(want, size - i);
        run.feed(c, byte_view(data + i, n), op >> 4);
        i += n;
        break;
      }
      case 1: {
        if (i >= size) return 0;
        run.now += broker::millis(std::uint64_t{data[i++]} * 100);
        broker::action_list out;
        run.core.tick(run.now, out);
        run.apply(out);
        break;
      }
      case 2: {
        if (!c.closed) {
          c.closed = true;
          broker::action_list out;
          c.link->closed(run.now, out);
          run.apply(out);
        }
        run.open(c);
        break;
      }
      case 3: {
        // ClientID "a", "b" or "c" by connection, so the three do not take each other over.
        std::array<std::uint8_t, sizeof canned_connect> connect{};
        std::copy(std::begin(canned_connect), std::end(canned_connect), connect.begin());
        connect.back() = static_cast<std::uint8_t>('a' + (op & 3) % 3);
        run.feed(c, connect, op >> 4);
        break;
      }
    }
  }
  broker::action_list out;
  run.core.shutdown(run.now, out);
  run.apply(out);
  return 0;
}
