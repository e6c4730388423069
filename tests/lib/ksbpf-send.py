#!/usr/bin/python3
"""Bounded probe sender for ksbpf's end-to-end tests and demo.

Sends one packet to every TARGET per round, for --count rounds or --duration
seconds (whichever ends first), --interval seconds apart, and prints one line
per target when done (also on SIGTERM/SIGINT):

    SPEC sent=N eperm=N err=N replies=N

TARGET is one of
    udp4:ADDR:PORT   udp6:[ADDR]:PORT   (one datagram per round; datagrams
                                         back from ADDR:PORT are counted)
    tcp4:ADDR:PORT   tcp6:[ADDR]:PORT   (one non-blocking connect per round)
    stream4:ADDR:PORT stream6:[ADDR]:PORT
                                        (a new TCP connection per round: the
                                         payload is sent, an answer counted)
    icmp4:ADDR       icmp6:ADDR         (echo request on a raw socket; echo
                                         replies from ADDR are counted)
    ping4:ADDR       ping6:ADDR         (the same on an ICMP ping socket,
                                         SOCK_DGRAM: needs ping_group_range)
    afp4:IFACE,DSTMAC,SRC,DST,PORT      (a whole Ethernet+IPv4+UDP frame on
    afp6:IFACE,DSTMAC,SRC,DST,PORT       an AF_PACKET socket: never seen by
                                         cgroup hooks, only by TC)

eperm counts sends (or connects) refused with EPERM: what a cgroup_skb drop
gives the sender. Only standard library, no dependencies.
"""
import argparse
import errno
import os
import select
import signal
import socket
import struct
import sys
import time


SO_MARK = 36


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


class Target:
    def __init__(self, spec, ident, mark=0):
        self.spec = spec
        self.sent = self.eperm = self.err = self.replies = 0
        self.errnames = {}
        kind, _, rest = spec.partition(":")
        if kind not in ("udp4", "udp6", "tcp4", "tcp6", "stream4", "stream6",
                        "icmp4", "icmp6", "ping4", "ping6", "afp4", "afp6"):
            raise ValueError("unknown target kind in %r" % spec)
        self.kind = kind
        self.family = socket.AF_INET if kind.endswith("4") else socket.AF_INET6
        if kind.startswith("afp"):
            ifn, mac, src, dst, port = rest.split(",")
            self.ifname = ifn
            self.dmac = bytes(int(x, 16) for x in mac.split(":"))
            self.src = src
            self.addr = dst
            self.port = int(port)
        elif kind.startswith("icmp") or kind.startswith("ping"):
            self.addr = rest.strip("[]")
            self.port = 0
        else:
            host, _, port = rest.rpartition(":")
            self.addr = host.strip("[]")
            self.port = int(port)
        # canonical form, to compare with the source of replies
        self.addr = socket.inet_ntop(
            self.family, socket.inet_pton(self.family, self.addr))
        self.ident = ident & 0xFFFF
        self.seq = 0
        self.sock = None
        if kind.startswith("udp"):
            self.sock = socket.socket(self.family, socket.SOCK_DGRAM)
        elif kind == "icmp4":
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_RAW,
                                      socket.IPPROTO_ICMP)
        elif kind == "icmp6":
            self.sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW,
                                      socket.IPPROTO_ICMPV6)
        elif kind == "ping4":
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM,
                                      socket.IPPROTO_ICMP)
        elif kind == "ping6":
            self.sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM,
                                      socket.IPPROTO_ICMPV6)
        elif kind.startswith("afp"):
            self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
            self.sock.bind((self.ifname, 0))
            self.smac = self.sock.getsockname()[4]
        self.mark = mark
        if self.sock is not None:
            self.sock.setblocking(False)
            if mark:
                self.sock.setsockopt(socket.SOL_SOCKET, SO_MARK, mark)

    def frame(self, payload):
        sport = 40001
        if self.kind == "afp4":
            udp = struct.pack("!HHHH", sport, self.port, 8 + len(payload),
                              0) + payload
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0,
                             0x4000, 64, 17, 0,
                             socket.inet_pton(socket.AF_INET, self.src),
                             socket.inet_pton(socket.AF_INET, self.addr))
            ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
            return self.dmac + self.smac + b"\x08\x00" + ip + udp
        src = socket.inet_pton(socket.AF_INET6, self.src)
        dst = socket.inet_pton(socket.AF_INET6, self.addr)
        ulen = 8 + len(payload)
        udp = struct.pack("!HHHH", sport, self.port, ulen, 0) + payload
        pseudo = src + dst + struct.pack("!IxxxB", ulen, 17)
        c = checksum(pseudo + udp) or 0xFFFF
        udp = udp[:6] + struct.pack("!H", c) + udp[8:]
        ip = struct.pack("!IHBB", 6 << 28, ulen, 17, 64) + src + dst
        return self.dmac + self.smac + b"\x86\xdd" + ip + udp

    def _error(self, e):
        if e.errno == errno.EPERM:
            self.eperm += 1
        else:
            self.err += 1
            name = errno.errorcode.get(e.errno, str(e.errno))
            self.errnames[name] = self.errnames.get(name, 0) + 1

    def send(self, tag):
        self.seq = (self.seq + 1) & 0xFFFF
        payload = ("ksbpf-e2e %s %d" % (tag, self.seq)).encode()
        try:
            if self.kind.startswith("afp"):
                self.sock.send(self.frame(payload))
            elif self.kind.startswith("udp"):
                self.sock.sendto(payload, (self.addr, self.port))
            elif self.kind == "icmp4":
                hdr = struct.pack("!BBHHH", 8, 0, 0, self.ident, self.seq)
                pkt = hdr + payload
                pkt = pkt[:2] + struct.pack("!H", checksum(pkt)) + pkt[4:]
                self.sock.sendto(pkt, (self.addr, 0))
            elif self.kind == "icmp6":
                # the kernel fills in the ICMPv6 checksum on raw sockets
                pkt = struct.pack("!BBHHH", 128, 0, 0, self.ident,
                                  self.seq) + payload
                self.sock.sendto(pkt, (self.addr, 0))
            elif self.kind.startswith("ping"):
                # the kernel sets the identifier and the checksum
                pkt = struct.pack("!BBHHH", 8 if self.kind == "ping4" else 128,
                                  0, 0, 0, self.seq) + payload
                self.sock.sendto(pkt, (self.addr, 0))
            elif self.kind.startswith("stream"):
                self.stream(payload)
            else:
                s = socket.socket(self.family, socket.SOCK_STREAM)
                s.setblocking(False)
                if self.mark:
                    s.setsockopt(socket.SOL_SOCKET, SO_MARK, self.mark)
                try:
                    rc = s.connect_ex((self.addr, self.port))
                    if rc not in (0, errno.EINPROGRESS):
                        raise OSError(rc, os.strerror(rc))
                    # give the SYN a moment to leave, then drop it
                    time.sleep(0.005)
                finally:
                    s.close()
            self.sent += 1
        except OSError as e:
            self._error(e)

    def stream(self, payload):
        s = socket.socket(self.family, socket.SOCK_STREAM)
        s.settimeout(1.0)
        if self.mark:
            s.setsockopt(socket.SOL_SOCKET, SO_MARK, self.mark)
        try:
            s.connect((self.addr, self.port))
            s.sendall(payload)
            try:
                if s.recv(4096):
                    self.replies += 1
            except socket.timeout:
                pass
        finally:
            s.close()

    def waits(self):
        """Whether replies come back on the target's own socket."""
        return self.kind.startswith(("icmp", "ping", "udp"))

    def drain(self):
        if not self.waits():
            return
        while True:
            try:
                data, src = self.sock.recvfrom(65535)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            if src[0].split("%")[0] != self.addr:
                continue
            if self.kind.startswith("udp"):
                self.replies += src[1] == self.port
                continue
            if self.kind.startswith("ping"):
                want = 0 if self.kind == "ping4" else 129
                self.replies += len(data) >= 8 and data[0] == want
                continue
            if self.kind == "icmp4":
                ihl = (data[0] & 0x0F) * 4
                icmp = data[ihl:]
                want = 0
            else:
                icmp = data
                want = 129
            if len(icmp) >= 8:
                typ, _, _, ident, _ = struct.unpack("!BBHHH", icmp[:8])
                if typ == want and ident == self.ident:
                    self.replies += 1

    def report(self):
        line = "%s sent=%d eperm=%d err=%d replies=%d" % (
            self.spec, self.sent, self.eperm, self.err, self.replies)
        if self.errnames:
            line += " errors=" + ",".join(
                "%s:%d" % kv for kv in sorted(self.errnames.items()))
        return line


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=10, help="rounds (max)")
    ap.add_argument("--duration", type=float, default=60.0,
                    help="seconds (max)")
    ap.add_argument("--interval", type=float, default=0.1,
                    help="seconds between rounds")
    ap.add_argument("--linger", type=float, default=0.5,
                    help="seconds to wait for echo replies at the end")
    ap.add_argument("--tag", default="probe", help="text in the payload")
    ap.add_argument("--mark", type=lambda v: int(v, 0), default=0,
                    help="SO_MARK (fwmark) on every socket")
    ap.add_argument("targets", nargs="+", metavar="TARGET")
    args = ap.parse_args()

    base = os.getpid()
    targets = [Target(t, base + 97 * i, args.mark)
               for i, t in enumerate(args.targets)]
    done = []

    def stop(_sig, _frm):
        done.append(1)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    start = time.monotonic()
    rounds = 0
    try:
        while not done and rounds < args.count and \
                time.monotonic() - start < args.duration:
            for t in targets:
                t.send(args.tag)
            rounds += 1
            deadline = time.monotonic() + args.interval
            while not done:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                socks = [t.sock for t in targets if t.waits()]
                if socks:
                    try:
                        select.select(socks, [], [], left)
                    except InterruptedError:
                        pass
                    for t in targets:
                        t.drain()
                else:
                    time.sleep(left)
        if not done and args.linger > 0 and \
                any(t.waits() for t in targets):
            end = time.monotonic() + args.linger
            while not done and time.monotonic() < end:
                socks = [t.sock for t in targets if t.waits()]
                try:
                    select.select(socks, [], [],
                                  max(0.0, end - time.monotonic()))
                except (InterruptedError, ValueError):
                    pass
                for t in targets:
                    t.drain()
    finally:
        for t in targets:
            t.drain()
            print(t.report())
        sys.stdout.flush()


if __name__ == "__main__":
    main()
