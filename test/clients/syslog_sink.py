#!/usr/bin/python3
"""A syslog socket for one test: binds a unix datagram socket at PATH (what
glibc's syslog(3) writes to as /dev/log), mode 0666, and appends every
datagram it receives to OUT as one line (a newline inside one is written
as a backslash and n), unbuffered, until it is killed.

    syslog_sink.py PATH OUT
"""
import os
import socket
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: syslog_sink.py PATH OUT")
    path, out = sys.argv[1], sys.argv[2]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    os.chmod(path, 0o666)
    with open(out, "ab", buffering=0) as f:
        while True:
            data = sock.recv(65536)
            f.write(data.rstrip(b"\0\n").replace(b"\n", b"\\n") + b"\n")


if __name__ == "__main__":
    main()
