#!/usr/bin/python3
"""The bad-input catalogue's driver (test/integration/catalogue.sh).

Sends each case as raw bytes over a socket to nginx in front of kredir and
prints one PASS:/FAIL: line per case, then "DRIVER: N passed, N failed".
Its inputs come from the environment, which catalogue.sh sets: ADDR1,
PORT1, ADDR2, PORT2 (the two nodes' nginx), VHOST, FQDN1, FQDN2, CLIENTS
(test/clients), KEY1 (node1's session secret, to sign cookies), SHORT_CC
and SHORT_LIFE (a TGT that expires during the run), NTLM_USERS.
"""
import base64
import hashlib
import hmac
import os
import re
import socket
import subprocess
import sys
import threading
import time

E = os.environ
A1, P1 = E["ADDR1"], int(E["PORT1"])
A2, P2 = E["ADDR2"], int(E["PORT2"])
VIP, F1, F2 = E["VHOST"], E["FQDN1"], E["FQDN2"]
L1 = "http://%s:%d" % (F1, P1)
L2 = "http://%s:%d" % (F2, P2)
CLIENTS = E["CLIENTS"]
KEY1 = open(E["KEY1"], "rb").read()
ATTACKER = re.compile(rb"evil|inject|kredirx", re.I)
results = {"pass": 0, "fail": 0}


def report(ok, name, detail=""):
    if ok:
        results["pass"] += 1
        print("PASS: %s" % name)
    else:
        results["fail"] += 1
        print("FAIL: %s (%s)" % (name, detail[:300]))
    sys.stdout.flush()


def token(target, *args, cc=None):
    env = dict(os.environ)
    if cc:
        env["KRB5CCNAME"] = cc
    out = subprocess.run([sys.executable, CLIENTS + "/gss_token.py"] +
                         list(args) + [target], env=env,
                         capture_output=True, text=True)
    if out.returncode != 0 or not out.stdout.strip():
        raise RuntimeError("gss_token.py: " + out.stderr.strip())
    return out.stdout.strip()


def ntlm_token(spnego):
    env = dict(os.environ, NTLM_USER_FILE=E["NTLM_USERS"],
               KRB5CCNAME="FILE:/nonexistent")
    out = subprocess.run([sys.executable, CLIENTS + "/ntlm_token.py"] +
                         (["--spnego"] if spnego else []) +
                         ["HTTP@" + F1], env=env, capture_output=True,
                         text=True)
    if out.returncode != 0:
        raise RuntimeError("ntlm_token.py: " + out.stderr.strip())
    return out.stdout.strip()


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def cookie(sid, expires, principal="alice@KREDIR.TEST", key=None):
    msg = ("kredir-session-v1|%s|%d|%s" % (sid, expires, principal)).encode()
    mac = hmac.new(key or KEY1, msg, hashlib.sha256).digest()
    return "v1.%s.%d.%s.%s" % (sid, expires, b64u(principal.encode()),
                               b64u(mac))


def raw(node, path="/", host=None, headers=(), version="HTTP/1.1",
        request_line=None):
    """The request's bytes; host None: no Host header."""
    if isinstance(path, str):
        path = path.encode("latin-1")
    lines = [request_line or b"GET " + path + b" " + version.encode()]
    if host is not None:
        lines.append(b"Host: " + (host.encode("latin-1")
                                  if isinstance(host, str) else host))
    for h in headers:
        lines.append(h.encode("latin-1") if isinstance(h, str) else h)
    lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n"


def send(node, data):
    """Sends data (a thread, so a server that answers early is heard);
    returns (status, [(name, value)], body) or (None, [], error)."""
    addr, port = (A1, P1) if node == 1 else (A2, P2)
    s = socket.create_connection((addr, port), timeout=20)

    def push():
        try:
            s.sendall(data)
        except OSError:
            pass
    t = threading.Thread(target=push)
    t.start()
    buf = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    except OSError as e:
        if not buf:
            t.join()
            s.close()
            return None, [], str(e).encode()
    t.join()
    s.close()
    if not buf.startswith(b"HTTP/"):
        # An HTTP/0.9 answer: a body alone; kredir's pages name their
        # status in the title.
        m = re.search(rb"<title>([A-Za-z ]+)</title>", buf)
        titles = {b"Bad Request": 400}
        if buf.startswith(b"<!DOCTYPE html>") and m and m.group(1) in titles:
            return titles[m.group(1)], [(b"Cache-Control", b"no-store")], buf
        return None, [], b"no status line: " + buf[:80]
    head, _, body = buf.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    m = re.match(rb"HTTP/1\.[01] (\d{3})", lines[0])
    if not m:
        return None, [], b"no status line: " + lines[0][:80]
    hdrs = []
    for ln in lines[1:]:
        name, sep, value = ln.partition(b":")
        hdrs.append((name, value.strip() if sep else None))
    return int(m.group(1)), hdrs, body


def hdr(hdrs, name):
    return [v for n, v in hdrs if n.lower() == name.lower().encode()]


def check(cid, what, node, data, status, by="kredir", location=None,
          extra=None):
    """One case: exact status from the expected answerer, clean headers."""
    name = "%s %s" % (cid, what)
    st, hdrs, body = send(node, data)
    if st is None:
        report(False, name, "no answer: %r" % body)
        return None
    who = "kredir" if b"no-store" in b" ".join(hdr(hdrs, "Cache-Control")) \
        else "nginx"
    problems = []
    if st != status or who != by:
        problems.append("got %d from %s, want %d from %s" %
                        (st, who, status, by))
    if st >= 500 or (by == "nginx" and not 400 <= st < 500):
        problems.append("status %d" % st)
    for n, v in hdrs:
        if v is None or not re.fullmatch(rb"[A-Za-z0-9-]+", n) or \
                re.search(rb"[\x00-\x1f\x7f]", v):
            problems.append("malformed header line %r" % (n,))
        elif ATTACKER.search(n + b":" + v):
            problems.append("attacker text in %r" % (n + b": " + v)[:120])
    for loc in hdr(hdrs, "Location"):
        want_host = (L1 if node == 1 else L2).encode() + b"/"
        if not loc.startswith(want_host):
            problems.append("Location %r is not on %r" % (loc, want_host))
    if location is not None and hdr(hdrs, "Location") != [location.encode()]:
        problems.append("Location %r, want %r" % (hdr(hdrs, "Location"),
                                                  location))
    if extra is not None:
        p = extra(st, hdrs, body)
        if p:
            problems.append(p)
    report(not problems, "%s (%d from %s)" % (name, st, who),
           "; ".join(problems))
    return st, hdrs, body


def negotiate(node, value, host=None, **kw):
    return raw(node, host=host or (F1 if node == 1 else F2),
               headers=["Authorization: " + value], **kw)


def cookie_req(node, value):
    return raw(node, host=F1 if node == 1 else F2,
               headers=["Cookie: " + value])


def is_user(st, hdrs, body):
    if hdr(hdrs, "X-Remote-User") != [b"alice@KREDIR.TEST"]:
        return "X-Remote-User %r" % hdr(hdrs, "X-Remote-User")
    return None


def no_user(st, hdrs, body):
    if hdr(hdrs, "X-Remote-User") or hdr(hdrs, "Set-Cookie"):
        return "a user or cookie on a refused request"
    return None


def flip(b64, pos):
    t = bytearray(base64.b64decode(b64))
    t[pos % len(t)] ^= 0x01
    return base64.b64encode(bytes(t)).decode()


def main():
    # The expired ticket first: its token waits while the rest runs.
    short_tok = token("HTTP@" + F1, cc=E["SHORT_CC"])
    short_made = time.time()
    n1 = lambda v, **kw: negotiate(1, v, **kw)
    big = "A" * (1024 * 1024)

    # --- base64: malformed and oversized
    check("C01", "base64 'a===': 400", 1, n1("Negotiate a==="), 400)
    check("C02", "base64 of bad length: 400", 1, n1("Negotiate Zm9v="), 400)
    check("C03", "base64 with non-zero pad bits: 400", 1,
          n1("Negotiate Zh=="), 400)
    check("C04", "base64 with inner space: 400", 1,
          n1("Negotiate Zm9v YmFy"), 400)
    check("C05", "trailing whitespace after the token: parsed, refused by "
          "GSS: 401", 1, n1("Negotiate Zm9v \t"), 401)
    check("C06", "'Negotiate' and no token: 400", 1, n1("Negotiate"), 400)
    check("C08", "'Negotiate ====': 400", 1, n1("Negotiate ===="), 400)
    check("C09", "1 MiB of base64: nginx 400 (over 64k header buffer)", 1,
          n1("Negotiate " + big), 400, by="nginx")
    over = base64.b64encode(b"\0" * 65537).decode()
    check("C10", "token of max_token + 1 bytes: nginx 400 (its base64 is "
          "over the 64k buffer)", 1, n1("Negotiate " + over), 400,
          by="nginx")
    check("C11", "node2 (max_token 1024), 1025-byte token: 431", 2,
          negotiate(2, "Negotiate " +
                    base64.b64encode(b"\0" * 1025).decode()), 431)
    check("C12", "node2, 1024-byte token of zeros: parsed, GSS 401", 2,
          negotiate(2, "Negotiate " +
                    base64.b64encode(b"\0" * 1024).decode()), 401)
    check("C27", "base64 cut mid-quantum: 400", 1,
          n1("Negotiate Zm9vYmF"), 400)
    check("C28", "byte outside base64: 400", 1, n1("Negotiate Zm9v!"), 400)
    # --- the scheme in odd case and spacing
    check("C13", "'negotiate' in lower case: parsed (GSS 401)", 1,
          n1("negotiate Zm9v"), 401)
    check("C14", "'NEGOTIATE': parsed (GSS 401)", 1, n1("NEGOTIATE Zm9v"),
          401)
    check("C16", "tab after the scheme: parsed (GSS 401)", 1,
          n1("Negotiate\tZm9v"), 401)
    check("C17", "'Negotiate,Zm9v': 400", 1, n1("Negotiate,Zm9v"), 400)
    check("C18", "'NegotiateZm9v' (no space): another scheme, 401", 1,
          n1("NegotiateZm9v"), 401)
    check("C19", "'Negotiat Zm9v': another scheme, 401", 1,
          n1("Negotiat Zm9v"), 401)
    check("C20", "Basic: 401 with a Negotiate challenge", 1,
          n1("Basic YWxpY2U6cHc="), 401,
          extra=lambda s, h, b: None if hdr(h, "WWW-Authenticate") ==
          [b"Negotiate"] else "challenge %r" % hdr(h, "WWW-Authenticate"))
    check("C21", "empty Authorization: 401", 1,
          raw(1, host=F1, headers=["Authorization:"]), 401)
    check("C22", "one Authorization header holding two tokens: 400", 1,
          n1("Negotiate Zm9v, Negotiate YmFy"), 400)
    check("C29", "64 KiB header (X-Big): nginx 400", 1,
          raw(1, host=F1, headers=["X-Big: " + "a" * 65536]), 400,
          by="nginx")
    check("C29b", "64 KiB Cookie: nginx 400", 1,
          cookie_req(1, "kredir_session=" + "a" * 65536), 400, by="nginx")
    # --- Host: spoofed, IPv6, ports
    check("C30", "Host evil.example (unknown_host = redirect): 302 to the "
          "FQDN", 1, raw(1, host="evil.example"), 302, location=L1 + "/")
    check("C31", "Host evil.example (unknown_host = reject): 400", 2,
          raw(2, host="evil.example"), 400)
    check("C32", "Host NODE1.Kredir.Test.:port: the FQDN, 401", 1,
          raw(1, host="NODE1.Kredir.Test.:%d" % P1), 401)
    check("C33", "Host [::1]:port: 302 to the FQDN", 1,
          raw(1, host="[::1]:%d" % P1), 302, location=L1 + "/")
    check("C34", "Host [::1], unknown_host = reject: 400", 2,
          raw(2, host="[::1]"), 400)
    check("C35", "Host with port 99999: 400", 1,
          raw(1, host=F1 + ":99999"), 400)
    check("C36", "Host with port 0: 400", 1, raw(1, host=F1 + ":0"), 400)
    check("C37", "Host www@evil.example: 400", 1,
          raw(1, host=VIP + "@evil.example"), 400)
    check("C38", "Host bad$host: 400", 1, raw(1, host="bad$host"), 400)
    check("C39", "empty Host (HTTP/1.1): nginx 400", 1, raw(1, host=""), 400,
          by="nginx")
    check("C40", "no Host (HTTP/1.0): 400", 1,
          raw(1, host=None, version="HTTP/1.0"), 400)
    check("C41", "Host a..kredir.test: 400", 1,
          raw(1, host="a..kredir.test"), 400, by="nginx")
    check("C42", "Host '[::1' (unclosed): 400", 1, raw(1, host="[::1"), 400)
    check("C43", "Host www.kredir.test:port: 302 to the FQDN", 1,
          raw(1, path="/x", host="%s:%d" % (VIP, P1)), 302,
          location=L1 + "/")
    check("C44", "Host WWW.KREDIR.TEST.: 302 to the FQDN", 1,
          raw(1, host="WWW.KREDIR.TEST."), 302, location=L1 + "/")
    check("C45", "Host with a v6 zone id: 400", 1,
          raw(1, host="[fe80::1%25eth0]"), 400)
    check("C46", "X-Forwarded-Host evil.example is ignored: 302 to the FQDN",
          1, raw(1, host=VIP, headers=["X-Forwarded-Host: evil.example",
                                       "X-Forwarded-Proto: https"]),
          302, location=L1 + "/")
    check("C47", "NUL byte in Host: nginx 400", 1,
          raw(1, host=b"www.kredir.test\0evil.example"), 400, by="nginx")
    check("C48", "two Host headers: nginx 400", 1,
          raw(1, host=VIP, headers=["Host: evil.example"]), 400, by="nginx")
    # --- the requested path (node2 keeps clean ones)
    v2 = lambda p, **kw: raw(2, path=p, host=VIP, **kw)
    check("C50", "clean path and query kept", 2,
          v2("/some/page?x=1&y=%2F"), 302, location=L2 + "/some/page?x=1&y=%2F")
    check("C51", "//evil.example/x: fallback target", 2,
          v2("//evil.example/x"), 302, location=L2 + "/")
    check("C52", "/\\evil.example: fallback target", 2,
          v2("/\\evil.example"), 302, location=L2 + "/")
    check("C53", "absolute URL in the request line: nginx passes its path "
          "only; the host stays ours", 2, v2("http://evil.example/x"), 302,
          location=L2 + "/x")
    check("C54", "%0d%0a in the path: fallback target", 2,
          v2("/a%0d%0aSet-Cookie:%20x=1"), 302, location=L2 + "/")
    check("C55", "%00 in the path: nginx 400", 2, v2("/a%00b"), 400,
          by="nginx")
    check("C56", "/%2e%2e/etc/passwd (above the root): nginx 400", 2,
          v2("/%2e%2e/etc/passwd"), 400, by="nginx")
    check("C57", "/a/../b: fallback target", 2, v2("/a/../b"), 302,
          location=L2 + "/")
    check("C58", "encoded slash in the path: fallback target", 2,
          v2("/a%2fb"), 302, location=L2 + "/")
    # nginx reads "GET /a" as an HTTP/0.9 request: no headers at all, so
    # no Host; kredir's 400 page comes back bare, and the "Location" line
    # never became a header.
    check("C59", "raw CR LF in the request line: HTTP/0.9, kredir 400", 2,
          v2(b"/a\r\nLocation: http://evil.example/"), 400)
    check("C60", "a forged kredir_r marker is stripped", 2,
          v2("/a?kredir_r=1.ab&b=1"), 302, location=L2 + "/a?b=1")
    check("C61", "%5cevil.example: fallback target", 2,
          v2("/%5cevil.example"), 302, location=L2 + "/")
    check("C64", "raw NUL in the path: nginx 400", 2, v2(b"/a\0b"), 400,
          by="nginx")
    check("C65", "raw CR in the path: nginx 400", 2, v2(b"/a\rb"), 400,
          by="nginx")
    check("C66", "absolute URL on another host, Host www: fallback target",
          2, raw(2, host=VIP, request_line=b"GET http://evil.example//x "
                 b"HTTP/1.1"), 302, location=L2 + "/")
    check("C63", "//evil.example/x on node1 (keep_path = no): the target",
          1, raw(1, path="//evil.example/x", host=VIP), 302,
          location=L1 + "/")

    # --- real tokens
    tok = token("HTTP@" + F1)
    r = check("C90", "fresh delegating token: 200 as alice", 1,
              n1("Negotiate " + tok), 200, extra=is_user)
    good_cookie = None
    if r:
        for v in hdr(r[1], "Set-Cookie"):
            m = re.match(rb"kredir_session=([^;]+)", v)
            if m:
                good_cookie = m.group(1).decode()
    check("C91", "the same token again (replay): 401", 1,
          n1("Negotiate " + tok), 401, extra=no_user)
    t = token("HTTP@" + F1)
    raw_t = base64.b64decode(t)
    check("C92", "truncated token (half its bytes): 401", 1,
          n1("Negotiate " + base64.b64encode(raw_t[:len(raw_t) // 2])
             .decode()), 401, extra=no_user)
    check("C93", "bit-flipped token (middle byte): 401", 1,
          n1("Negotiate " + flip(t, len(raw_t) // 2)), 401, extra=no_user)
    t = token("HTTP@" + F1)
    check("C94", "bit-flipped token (last byte): 401", 1,
          n1("Negotiate " + flip(t, -1)), 401, extra=no_user)
    t = token("HTTP@" + F1)
    check("C95", "bit-flipped token (second byte, the DER length): 401",
          1, n1("Negotiate " + flip(t, 1)), 401, extra=no_user)
    check("C96", "real token, base64 cut by one character: 400", 1,
          n1("Negotiate " + token("HTTP@" + F1)[:-1]), 400)
    check("C97", "token for HTTP/backend (another SPN): 401", 1,
          n1("Negotiate " + token("HTTP@backend.kredir.test")), 401,
          extra=no_user)
    check("C98", "node2 allows only OTHER.TEST: alice@KREDIR.TEST gets 403",
          2, negotiate(2, "Negotiate " + token("HTTP@" + F2,
                                                 "--no-delegate")), 403,
          extra=no_user)
    check("C99", "token for node1 sent to node2: 401", 2,
          negotiate(2, "Negotiate " + token("HTTP@" + F1, "--no-delegate")),
          401, extra=no_user)
    check("C23", "raw NTLM token: 403", 1,
          n1("Negotiate " + ntlm_token(False)), 403, extra=no_user)
    check("C24", "SPNEGO-wrapped NTLM token: 403", 1,
          n1("Negotiate " + ntlm_token(True)), 403, extra=no_user)
    check("C15", "real token, '  nEGOTIATE   <tok>  ': 200", 1,
          n1("  nEGOTIATE   " + token("HTTP@" + F1) + "  "), 200,
          extra=is_user)
    check("C100", "two Authorization headers (a good token and a bad "
          "one): refused", 1,
          raw(1, host=F1, headers=["Authorization: Negotiate " +
                                   token("HTTP@" + F1),
                                   "Authorization: Negotiate Zm9v"]),
          400, by="nginx", extra=no_user)
    check("C101", "token without delegation: 403", 1,
          n1("Negotiate " + token("HTTP@" + F1, "--no-delegate")), 403,
          extra=no_user)

    # --- cookies
    sid = os.urandom(16).hex()
    if good_cookie:
        check("C70", "the login's own cookie: 200 as alice", 1,
              cookie_req(1, "kredir_session=" + good_cookie), 200,
              extra=is_user)
        check("C71", "the same cookie in double quotes: 200", 1,
              cookie_req(1, 'a=b; kredir_session="%s"; c=d' % good_cookie),
              200, extra=is_user)
        last = good_cookie[-1]
        check("C72", "forged cookie (MAC changed): 401", 1,
              cookie_req(1, "kredir_session=" + good_cookie[:-1] +
                         ("B" if last == "A" else "A")), 401, extra=no_user)
        check("C74", "truncated cookie: 401", 1,
              cookie_req(1, "kredir_session=" + good_cookie[:-10]), 401,
              extra=no_user)
        check("C75", "oversized cookie (good one + 800 bytes): 401", 1,
              cookie_req(1, "kredir_session=" + good_cookie + "A" * 800),
              401, extra=no_user)
        check("C78", "the good cookie twice: ambiguous, 401", 1,
              cookie_req(1, "kredir_session=%s; kredir_session=%s" %
                         (good_cookie, good_cookie)), 401, extra=no_user)
    else:
        report(False, "C70 the login's own cookie", "C90 set no cookie")
    check("C73", "expired cookie, correctly signed: 401", 1,
          cookie_req(1, "kredir_session=" +
                     cookie(sid, int(time.time()) - 10)), 401,
          extra=no_user)
    check("C76", "kredir_session=../../../../etc/passwd: 401", 1,
          cookie_req(1, "kredir_session=../../../../etc/passwd"), 401,
          extra=no_user)
    check("C77", "correctly signed cookie whose id is ../../..: 401", 1,
          cookie_req(1, "kredir_session=" +
                     cookie("../../../../../../../../etc/pass",
                            int(time.time()) + 3600)), 401, extra=no_user)
    check("C79", "cookie signed with another secret: 401", 1,
          cookie_req(1, "kredir_session=" +
                     cookie(sid, int(time.time()) + 3600, key=b"x" * 48)),
          401, extra=no_user)
    check("C82", "correctly signed cookie, no cache behind it: 401", 1,
          cookie_req(1, "kredir_session=" +
                     cookie(sid, int(time.time()) + 3600)), 401,
          extra=no_user)
    check("C83", "signed cookie naming another principal, no cache: 401",
          1, cookie_req(1, "kredir_session=" +
                        cookie(sid, int(time.time()) + 3600,
                               "admin@KREDIR.TEST\r\nX-Injected: 1")), 401,
          extra=no_user)

    # --- the expired ticket, last: past its end and the 5 s of skew
    wait = short_made + int(E["SHORT_LIFE"]) + 5 + 2 - time.time()
    if wait > 0:
        time.sleep(wait)
    check("C102", "token from a ticket that has expired: 401", 1,
          n1("Negotiate " + short_tok), 401, extra=no_user)
    print("DRIVER: %d passed, %d failed" % (results["pass"],
                                            results["fail"]))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # a broken driver must not look like a pass
        print("FAIL: catalogue driver crashed: %r" % (e,))
        sys.exit(1)
