#!/usr/bin/env python3
"""ws_roundtrip.py HOST PORT PATH [CAFILE]: Test whether MQTT over WebSocket works end to end
(over TLS, wss://, when CAFILE is given: the server certificate must chain to it).

Opens a WebSocket with the "mqtt" subprotocol, and for MQTT 3.1.1 and 5.0 sends CONNECT,
SUBSCRIBE to a topic, PUBLISH (QoS 1) to that topic, and expects CONNACK, SUBACK, PUBACK and
the PUBLISH back. Also checks that an upgrade without the "mqtt" subprotocol is refused.
Standard library only; prints one PASS/FAIL line per check; exit status 1 on any failure.
"""
import base64
import os
import socket
import ssl
import struct
import sys


CAFILE = None


def ws_open(host, port, path, subprotocol="mqtt"):
    s = socket.create_connection((host, port), timeout=5)
    if CAFILE:
        s = ssl.create_default_context(cafile=CAFILE).wrap_socket(s, server_hostname=host)
    key = base64.b64encode(os.urandom(16)).decode()
    req = (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n")
    if subprotocol:
        req += f"Sec-WebSocket-Protocol: {subprotocol}\r\n"
    s.sendall((req + "\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(1)
        if not chunk:
            break
        head += chunk
    status = head.split(b"\r\n", 1)[0].decode(errors="replace")
    return s, status, head.decode(errors="replace")


def ws_send(s, data):
    mask = os.urandom(4)
    n = len(data)
    hdr = bytes([0x82])  # FIN + binary
    if n < 126:
        hdr += bytes([0x80 | n])
    elif n < 65536:
        hdr += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        hdr += bytes([0x80 | 127]) + struct.pack("!Q", n)
    s.sendall(hdr + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))


class Reader:
    """Turns WebSocket binary frames into one MQTT byte stream."""

    def __init__(self, s):
        self.s, self.buf = s, b""

    def _exact(self, n):
        out = b""
        while len(out) < n:
            chunk = self.s.recv(n - len(out))
            if not chunk:
                raise EOFError("connection closed")
            out += chunk
        return out

    def _frame(self):
        b0, b1 = self._exact(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._exact(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._exact(8))[0]
        payload = self._exact(n)
        if b0 & 0x0F == 0x8:
            raise EOFError("websocket close")
        return payload if b0 & 0x0F in (0x0, 0x2) else b""

    def packet(self):
        while True:
            if len(self.buf) >= 2:
                mult, length, i = 1, 0, 1
                while i < len(self.buf):
                    length += (self.buf[i] & 0x7F) * mult
                    mult *= 128
                    if self.buf[i] & 0x80 == 0:
                        if len(self.buf) >= i + 1 + length:
                            pkt, self.buf = self.buf[: i + 1 + length], self.buf[i + 1 + length:]
                            return pkt
                        break
                    i += 1
            self.buf += self._frame()


def vbi(n):
    out = b""
    while True:
        d, n = n % 128, n // 128
        out += bytes([d | (0x80 if n else 0)])
        if not n:
            return out


def utf8(s):
    return struct.pack("!H", len(s)) + s.encode()


def packet(first, body):
    return bytes([first]) + vbi(len(body)) + body


def roundtrip(host, port, path, level):
    v5 = level == 5
    props = b"\x00" if v5 else b""
    s, status, _ = ws_open(host, port, path)
    if " 101 " not in status + " ":
        return f"upgrade refused: {status}"
    r = Reader(s)
    cid = f"ws-smoke-{level}"
    ws_send(s, packet(0x10, utf8("MQTT") + bytes([level, 0x02]) + struct.pack("!H", 30) + props
                      + utf8(cid)))
    ack = r.packet()
    if ack[0] != 0x20 or ack[3] != 0:
        return f"CONNACK expected 20 .. 00, observed {ack.hex(' ')}"
    topic = f"smoke/ws/v{level}"
    ws_send(s, packet(0x82, struct.pack("!H", 1) + props + utf8(topic) + b"\x01"))
    sub = r.packet()
    if sub[0] != 0x90 or sub[-1] != 0x01:
        return f"SUBACK granting QoS 1 expected, observed {sub.hex(' ')}"
    ws_send(s, packet(0x32, utf8(topic) + struct.pack("!H", 2) + props + b"over-websocket"))
    seen_ack, seen_pub = False, False
    while not (seen_ack and seen_pub):
        p = r.packet()
        if p[0] >> 4 == 4:
            seen_ack = True
        elif p[0] >> 4 == 3:
            seen_pub = p.endswith(b"over-websocket")
            if p[0] & 0x06:  # QoS > 0: acknowledge it
                i = 1
                while p[i] & 0x80:
                    i += 1
                tlen = struct.unpack("!H", p[i + 1:i + 3])[0]
                pid = p[i + 3 + tlen:i + 5 + tlen]
                ws_send(s, packet(0x40, pid))
    ws_send(s, packet(0xE0, b""))
    s.close()
    return None


def main():
    global CAFILE
    host, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    CAFILE = sys.argv[4] if len(sys.argv) > 4 else None
    scheme = "wss" if CAFILE else "ws"
    failures = 0
    for level, name in ((4, "mqttv311"), (5, "mqttv5")):
        try:
            err = roundtrip(host, port, path, level)
        except (OSError, EOFError, IndexError) as e:
            err = f"{type(e).__name__}: {e}"
        print(f"{'PASS' if err is None else 'FAIL'} {name} {scheme} qos1 round trip" + (f": {err}" if err else ""))
        failures += err is not None
    s, status, _ = ws_open(host, port, path, subprotocol=None)
    s.close()
    ok = " 101 " not in status + " "
    print(f"{'PASS' if ok else 'FAIL'} {scheme} upgrade without 'mqtt' subprotocol refused ({status})")
    failures += not ok
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
