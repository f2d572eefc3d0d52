#!/usr/bin/python3
"""Send one FastCGI request straight to kredir's socket, as a web server
would, and print the answer (CGI headers and body) on stdout.

    fcgi_send.py --unix /run/kredir/fcgi.sock --param HTTP_HOST=node1 \\
        --param REQUEST_URI=/ [--role authorizer]
    fcgi_send.py --tcp 127.0.0.1:9000 ... --trickle 60 --every 0.5

--role authorizer sends FCGI_ROLE=AUTHORIZER (FastCGI 1.0 section 6.3: no
stdin).  --trickle N sends an N-byte request body one byte every --every
seconds (a slow client whose web server does not buffer bodies); --wait
then bounds how long the answer is awaited.  Exit status 0 when an answer
came, 1 when the connection ended without one.
"""
import argparse
import socket
import struct
import sys
import time

VERSION = 1
BEGIN, END, PARAMS, STDIN, STDOUT, STDERR = 1, 3, 4, 5, 6, 7
ROLES = {"responder": 1, "authorizer": 2}


def record(kind, content, req_id=1):
    """One FastCGI record, padded to 8 bytes."""
    pad = -len(content) % 8
    return struct.pack("!BBHHBx", VERSION, kind, req_id, len(content),
                       pad) + content + b"\0" * pad


def name_value(name, value):
    """A FastCGI name-value pair (lengths below 128 as one byte)."""
    out = b""
    for n in (len(name), len(value)):
        out += struct.pack("!B", n) if n < 128 else struct.pack(
            "!I", n | 0x80000000)
    return out + name + value


def connect(args):
    if args.unix:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(args.unix)
    else:
        host, port = args.tcp.rsplit(":", 1)
        s = socket.create_connection((host, int(port)))
    return s


def read_answer(s, deadline):
    """The STDOUT stream until END_REQUEST; None if the peer hung up."""
    buf, out = b"", b""
    while True:
        while len(buf) >= 8:
            _, kind, _, clen, pad = struct.unpack("!BBHHBx", buf[:8])
            if len(buf) < 8 + clen + pad:
                break
            content = buf[8:8 + clen]
            buf = buf[8 + clen + pad:]
            if kind == STDOUT:
                out += content
            elif kind == END:
                return out
        s.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data = s.recv(65536)
        except (socket.timeout, ConnectionResetError):
            return None
        if not data:
            return None
        buf += data


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--unix")
    where.add_argument("--tcp")
    ap.add_argument("--role", choices=sorted(ROLES), default="responder")
    ap.add_argument("--param", action="append", default=[])
    ap.add_argument("--trickle", type=int, default=0)
    ap.add_argument("--every", type=float, default=0.5)
    ap.add_argument("--wait", type=float, default=30)
    args = ap.parse_args()

    s = connect(args)
    role = ROLES[args.role]
    params = b""
    for kv in args.param + ["FCGI_ROLE=" + args.role.upper()]:
        k, _, v = kv.partition("=")
        params += name_value(k.encode(), v.encode())
    s.sendall(record(BEGIN, struct.pack("!HB5x", role, 0)) +
              record(PARAMS, params) + record(PARAMS, b""))
    try:
        if role == 1 and args.trickle == 0:
            s.sendall(record(STDIN, b""))
        for i in range(args.trickle):
            s.sendall(record(STDIN, b"x"))
            time.sleep(args.every)
        if args.trickle:
            s.sendall(record(STDIN, b""))
    except (BrokenPipeError, ConnectionResetError):
        pass  # kredir gave up on the body: the answer may still be there
    out = read_answer(s, time.monotonic() + args.wait)
    if out is None:
        return 1
    sys.stdout.buffer.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
