#!/usr/bin/python3
"""Send one FastCGI request straight to kredir and print its answer (the
CGI-style headers and body), for the roles a web server would use:

    fcgi_request.py ADDR PORT responder  REQUEST_URI=/x HTTP_HOST=h ...
    fcgi_request.py ADDR PORT authorizer REQUEST_URI=/x HTTP_HOST=h ...

Each NAME=VALUE becomes a FastCGI parameter (KREDIR_ACTION=headers makes
the auth_request role).  A responder gets an empty stdin; an authorizer
none (FastCGI 1.0, section 6.3).  Exits 1 if kredir does not end the
request properly.
"""
import socket
import struct
import sys

VERSION, BEGIN, END, PARAMS, STDIN, STDOUT, STDERR = 1, 1, 3, 4, 5, 6, 7
ROLES = {"responder": 1, "authorizer": 2}


def record(rtype, content, rid=1):
    return struct.pack(">BBHHBx", VERSION, rtype, rid, len(content), 0) + content


def length(n):
    return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)


def params(pairs):
    body = b""
    for name, value in pairs:
        n, v = name.encode(), value.encode()
        body += length(len(n)) + length(len(v)) + n + v
    return body


def read_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError("kredir closed the connection early")
        buf += chunk
    return buf


def main():
    addr, port, role = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    pairs = [a.split("=", 1) for a in sys.argv[4:]]
    msg = record(BEGIN, struct.pack(">HB5x", ROLES[role], 0))
    if pairs:
        msg += record(PARAMS, params(pairs))
    msg += record(PARAMS, b"")
    if role == "responder":
        msg += record(STDIN, b"")
    out = b""
    with socket.create_connection((addr, port), timeout=10) as sock:
        sock.sendall(msg)
        while True:
            _, rtype, _, clen, plen = struct.unpack(">BBHHBx",
                                                    read_exact(sock, 8))
            content = read_exact(sock, clen + plen)[:clen]
            if rtype == STDOUT:
                out += content
            elif rtype == END:
                break
    sys.stdout.write(out.decode("utf-8", "replace"))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, EOFError, struct.error) as e:
        print("fcgi_request: %s" % e, file=sys.stderr)
        sys.exit(1)
