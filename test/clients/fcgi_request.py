#!/usr/bin/python3
"""Send one FastCGI request straight to kredir, as a web server would, and
print the answer (CGI-style headers and body) on stdout.

    fcgi_request.py --tcp 127.0.0.1:9000 --param REQUEST_URI=/x \\
        --param HTTP_HOST=node1 [--role authorizer]
    fcgi_request.py --unix /run/kredir/fcgi.sock --param ... \\
        --trickle 60 --every 0.5 --wait 40

--tcp ADDR:PORT ([::1]:PORT for IPv6) or --unix PATH says where.  Each
--param NAME=VALUE becomes a FastCGI parameter (KREDIR_ACTION=headers makes
the auth_request role).  --role authorizer begins an Authorizer request,
which has no stdin (FastCGI 1.0, section 6.3); a responder gets an empty
one, or with --trickle N an N-byte body sent one byte every --every
seconds (a slow client whose web server does not buffer bodies).  --wait
bounds how long the answer is awaited.  Exit status 0 when an answer came
(kredir ended the request), 1 when the connection ended without one or
could not be made.
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
        s.settimeout(10)
        s.connect(args.unix)
        return s
    host, port = args.tcp.rsplit(":", 1)
    return socket.create_connection((host.strip("[]"), int(port)), timeout=10)


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


def send_request(s, args):
    """BEGIN, the parameters, then stdin as the role and --trickle say."""
    role = ROLES[args.role]
    params = b""
    for kv in args.param:
        k, _, v = kv.partition("=")
        params += name_value(k.encode(), v.encode())
    msg = record(BEGIN, struct.pack("!HB5x", role, 0))
    if params:
        msg += record(PARAMS, params)
    s.sendall(msg + record(PARAMS, b""))
    if role != ROLES["responder"]:
        return
    try:
        for _ in range(args.trickle):
            s.sendall(record(STDIN, b"x"))
            time.sleep(args.every)
        s.sendall(record(STDIN, b""))
    except (BrokenPipeError, ConnectionResetError):
        pass  # kredir gave up on the body: the answer may still be there


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

    try:
        with connect(args) as s:
            send_request(s, args)
            out = read_answer(s, time.monotonic() + args.wait)
    except OSError as e:
        print("fcgi_request: %s" % e, file=sys.stderr)
        return 1
    if out is None:
        print("fcgi_request: the connection ended without an answer",
              file=sys.stderr)
        return 1
    sys.stdout.buffer.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
