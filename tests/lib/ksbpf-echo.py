#!/usr/bin/python3
"""Echo server for ksbpf's end-to-end tests: answers UDP datagrams and TCP
connections on every ADDR:PORT given ([ADDR]:PORT for IPv6) with what they
sent, and logs one line per peer to stdout ("udp|tcp PEER-ADDR"), so a test
can tell which source address a probe came from. Runs until killed."""
import selectors
import socket
import sys


def listen(spec):
    host, _, port = spec.rpartition(":")
    host = host.strip("[]")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    udp = socket.socket(family, socket.SOCK_DGRAM)
    tcp = socket.socket(family, socket.SOCK_STREAM)
    for s in (udp, tcp):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, int(port)))
    tcp.listen(64)
    return udp, tcp


def main():
    sel = selectors.DefaultSelector()
    for spec in sys.argv[1:]:
        udp, tcp = listen(spec)
        sel.register(udp, selectors.EVENT_READ, "udp")
        sel.register(tcp, selectors.EVENT_READ, "tcp")
    print("listening", flush=True)
    while True:
        for key, _ in sel.select():
            s = key.fileobj
            if key.data == "udp":
                data, peer = s.recvfrom(65535)
                s.sendto(data, peer)
                print("udp", peer[0], flush=True)
                continue
            conn, peer = s.accept()
            conn.settimeout(1.0)
            try:
                data = conn.recv(4096)
                if data:
                    conn.sendall(data)
            except OSError:
                pass
            finally:
                conn.close()
            print("tcp", peer[0], flush=True)


if __name__ == "__main__":
    main()
