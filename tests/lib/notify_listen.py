#!/usr/bin/python3
"""A stand-in for systemd's notification socket (sd_notify(3)).

notify_listen.py SOCKET OUT: binds an AF_UNIX datagram socket at SOCKET
("@name" is abstract, as systemd may pass it) and appends each message to
OUT as one JSON object ({"READY": "1", "STATUS": "..."}), with "_t" the
CLOCK_MONOTONIC time of receipt in microseconds. Runs until killed.
"""
import json
import os
import socket
import sys
import time


def main():
    path, out = sys.argv[1], sys.argv[2]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + path[1:] if path.startswith("@") else path)
    with open(out, "a", buffering=1) as f:
        f.write(json.dumps({"_listening": "1"}) + "\n")
        while True:
            data = sock.recv(65536).decode()
            msg = dict(line.split("=", 1) for line in data.split("\n") if line)
            msg["_t"] = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
            f.write(json.dumps(msg) + "\n")


if __name__ == "__main__":
    sys.exit(main())
