#!/usr/bin/python3
"""Writes the seed corpora fuzz/corpus/<harness>/ (committed; rerun after
changing a harness's input format).  Cookies and markers are signed with
the harnesses' fixed key (fuzz.h), so the fuzzer starts from inputs that
verify."""
import base64
import hashlib
import hmac
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
KEY = b"fuzz-session-key-0123456789abcdefghijklmnopqrst\0"
NOW = 1800000000


def write(harness, items):
    d = os.path.join(HERE, "corpus", harness)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.unlink(os.path.join(d, f))
    for i, data in enumerate(items):
        with open(os.path.join(d, "seed-%03d" % i), "wb") as f:
            f.write(data)


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=")


def cookie(sid, expires, principal):
    msg = b"kredir-session-v1|%s|%d|%s" % (sid, expires, principal)
    mac = hmac.new(KEY, msg, hashlib.sha256).digest()
    return b"v1.%s.%d.%s.%s" % (sid, expires, b64u(principal), b64u(mac))


def marker(expires):
    msg = b"kredir-redirect-v1|%d" % expires
    mac = hmac.new(KEY, msg, hashlib.sha256).hexdigest()[:32].encode()
    return b"kredir_r=%d.%s" % (expires, mac)


SPNEGO = bytes([0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02])
NTLM_OID = bytes([0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37,
                  0x02, 0x02, 0x0a])
KRB5_OID = bytes([0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01,
                  0x02, 0x02])


def der(tag, body):
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    ln = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(ln)]) + ln + body


def neg_init(mechs, mech_token):
    types = der(0xa0, der(0x30, b"".join(mechs)))
    tok = der(0xa2, der(0x04, mech_token))
    return der(0x60, SPNEGO + der(0xa0, der(0x30, types + tok)))


NTLM_RAW = b"NTLMSSP\0\x01\0\0\0\x07\x82\x08\xa2" + b"\0" * 16
TOKENS = [
    NTLM_RAW,
    neg_init([NTLM_OID], NTLM_RAW),
    neg_init([KRB5_OID, NTLM_OID], b"\x60\x01\x00"),
    neg_init([KRB5_OID], b"\x60\x82\x01\x00" + b"\x01" * 32),
    b"\x60\x82\x02\x00" + KRB5_OID + b"\x01\x00" + b"\x6e\x82\x01\xf0",
]


def negotiate():
    out = []
    for tok in TOKENS:
        b = base64.b64encode(tok)
        out += [b"\x03Negotiate " + b, b"\x02  nEgOtIaTe\t" + b + b" \t"]
    for v in [b"", b"   ", b"Negotiate", b"Negotiate ", b"Negotiate a===",
              b"Negotiate Zg==", b"Negotiate Zm8=", b"Negotiate Zm9v",
              b"Negotiate Zh==", b"Negotiate Zm9", b"Negotiate Zm 9v",
              b"Negotiate ====", b"Basic YWxpY2U6cHc=", b"NTLM TlRMTVNTUA==",
              b"Negotiate,Basic", b"Negotiate\tZm9vYmFy", b"NEGOTIATE Zm9v",
              b"Negotiate Zm9v\r\nX: y", b"Negotiate " + b"A" * 2000]:
        out.append(b"\x02" + v)
    out.append(b"\x00Negotiate " + base64.b64encode(b"\x00" * 64))
    return out


def host():
    out = []
    for h in [b"node1.kredir.test", b"NODE1.Kredir.Test.:8443",
              b"www.kredir.test", b"www.kredir.test.", b"app.kredir.test:80",
              b"[::1]", b"[::1]:8080", b"[FE80::1%eth0]", b"[::ffff:1.2.3.4]",
              b"evil.example", b"a..b", b"-a.b", b"a-.b", b"a.b:0",
              b"a.b:65536", b"a.b:080", b"a.b:", b"bad$host",
              b"node1.kredir.test@evil", b"a" * 63 + b".b",
              b"a" * 64 + b".b", (b"a" * 62 + b".") * 4 + b"abc",
              b"HTTP/node1.kredir.test@KREDIR.TEST",
              b"http/NODE1.KREDIR.TEST@OTHER.TEST",
              b"HTTP/www.kredir.test@KREDIR.TEST", b"alice@KREDIR.TEST",
              b"127.0.0.1", b"127.0.0.1:80", b""]:
        for flags in (0, 3, 5):
            out.append(bytes([flags]) + h)
    return out


def location():
    out = []
    uris = [b"/", b"/a/b?c=d&e", b"//evil.example/x", b"/\\evil.example",
            b"/%2e%2e/etc", b"/a/./b", b"/a/../b", b"/%0d%0aSet-Cookie:x",
            b"/a%2fb", b"/a?x=%2f", b"/a?x=%0a", b"http://evil.example/",
            b"/a b", b"/a\r\nLocation: x", b"/a#frag", b"/a?" + marker(NOW + 30),
            b"/a?x=1&" + marker(NOW + 30) + b"&y=2", b"/a?kredir_r=&",
            b"/a?kredir_r", b"/?&&", b"/" + b"a" * 2100, b"/%7f", b"/%41",
            b"/a;b=c/@d:e", b"", b"a"]
    for u in uris:
        for flags, hi in ((2, 0), (3, 1), (6, 2), (7, 0), (0x0a, 3), (0x12, 5),
                          (2, 7)):
            out.append(bytes([flags, hi]) + u)
    return out


def cookies():
    sid = b"0123456789abcdef0123456789abcdef"
    good = cookie(sid, NOW + 3600, b"alice@KREDIR.TEST")
    old = cookie(sid, NOW - 1, b"alice@KREDIR.TEST")
    out = [b"\x00kredir_session=" + good,
           b"\x00a=b; kredir_session=\"" + good + b"\"; c=d",
           b"\x00kredir_session=" + old,
           b"\x00kredir_session=" + good + b"; kredir_session=" + good,
           b"\x00kredir_session=../../../etc/passwd",
           b"\x00kredir_session=v1.../../x.1.YQ.AAAA",
           b"\x00kredir_session=" + good[:-1],
           b"\x00kredir_session=" + good + b"A" * 800,
           b"\x00 kredir_session = " + good + b" ;",
           b"\x00" + good,
           b"\x00/a?" + marker(NOW + 30),
           b"\x00/a?" + marker(NOW + 30) + b"&" + marker(NOW + 30),
           b"\x00KREDIR_SESSION=x; kredir_sessionx=y; =z; ;;",
           b"\x01" + bytes(range(24)) + b"alice@KREDIR.TEST",
           b"\x01" + b"\xff" * 16 + b"\x00" * 4 + b"\x70\x00\x00\x00" +
           b"HTTP/node1.kredir.test@KREDIR.TEST",
           b"\x01" + b"\x11" * 24 + b"x" * 255,
           b"\x01" + b"\x11" * 24 + b"a\nb"]
    return out


def config():
    base = open(os.path.join(HERE, "..", "kredir.ini"), "rb").read()
    small = (b"[node]\nfqdn = node1.kredir.test\nvirtual_hosts = www.kredir.test"
             b" app.kredir.test\nmode = shared-spn\n[redirect]\ntarget = /a?b\n"
             b"keep_path = yes\n[kerberos]\nmax_token = 1024\nallow_realms = "
             b"A.TEST B.TEST\n[server]\nworkers = 4\nsocket_mode = 0660\n"
             b"listen = unix:/run/k.sock\n[farm]\nbounce_bookmarks = yes\n"
             b"marker_ttl = 60\n")
    bad = [b"[node]\nfqdn = node1.kredir.test\nbogus = 1\n",
           b"[node]\nfqdn = " + b"a" * 250 + b"\n",
           b"[node\nfqdn = x.y\n", b"fqdn\n", b"[node]\nport = -1\n",
           b"[node]\nport = 99999999999\n", b"[kerberos]\nservice = host\n",
           b"[node]\nfqdn = a.b\nfqdn = c.d\n", b"[node]\nfqdn = a.b\x00x\n",
           b"[node]\r\nfqdn = a.b\r\n", b"[node]\nfqdn = a.b\n  continued\n",
           b"[redirect]\ntarget = //evil\n", b"[node]\nfqdn: a.b\n",
           b"[node]\nvirtual_hosts = " + b"a.b " * 20 + b"\n"]
    out = []
    for text in [base, small] + bad:
        out += [b"\x00" + text, b"\x01" + text]
    s4u = (b"[node]\nfqdn = node1.kredir.test\n[kerberos]\naccount = NODE1$\n"
           b"delegation = constrained\ndelegate_to = HTTP/b.kredir.test "
           b"cifs/f.kredir.test@KREDIR.TEST\nconstrained_cache = targets\n"
           b"[basic]\nenable = yes\nallow_plain_http = no\n")
    out += [b"\x00" + s4u, b"\x01" + s4u]
    return out


def basic():
    def b(s):
        return b"Basic " + base64.b64encode(s)
    return [b(b"alice:s3cret"), b(b"alice@KREDIR.TEST:a:b"), b(b"alice:"),
            b(b":pw"), b(b"nocolon"), b(b"a b:c"), b(b"a\\b:c"),
            b(b"a\0b:c"), b"basic  " + base64.b64encode(b"x:y"),
            b"Basic YWxpY2U6czNjcmV0=", b"Basic ", b"Negotiate YQ=="]


def ntlm():
    out = list(TOKENS)
    out += [b"", b"NTLMSSP", b"NTLMSSP\0", b"\x60\x84\xff\xff\xff\xff",
            b"\x60\x80", neg_init([NTLM_OID, NTLM_OID], b"")]
    return out


def pac():
    """Mode byte (fuzz_pac.c), then the PAC buffers captured from the
    Samba AD DC (test/unit/data/capture.sh)."""
    data = os.path.join(HERE, "..", "test", "unit", "data")
    out = []
    for user in ("alice", "bigbob"):
        with open(os.path.join(data, user + ".logon-info.bin"), "rb") as f:
            li = f.read()
        with open(os.path.join(data, user + ".upn-dns-info.bin"), "rb") as f:
            ud = f.read()
        out.append(b"\0" + li)
        out.append(b"\1" + ud)
        out.append(b"\2" + len(li).to_bytes(2, "little") + li + ud)
    return out


KRB5_MS_OID = bytes([0x06, 0x09, 0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01,
                     0x02, 0x02])


def ap_req(names, oid=KRB5_OID):
    """A krb5 GSS token whose ticket's sname has these components."""
    sname = der(0x30, der(0xa0, der(0x02, b"\x03")) + der(0xa1, der(
        0x30, b"".join(der(0x1b, n) for n in names))))
    tkt = der(0x61, der(0x30, der(0xa0, der(0x02, b"\x05")) +
                        der(0xa1, der(0x1b, b"KREDIR.TEST")) +
                        der(0xa2, sname) +
                        der(0xa3, der(0x30, der(0xa0, der(0x02, b"\x12")) +
                                      der(0xa2, der(0x04, b"\0" * 200))))))
    ap = der(0x6e, der(0x30, der(0xa0, der(0x02, b"\x05")) +
                       der(0xa1, der(0x02, b"\x0e")) +
                       der(0xa2, der(0x03, b"\x00\x20\x00\x00\x00")) +
                       der(0xa3, tkt) +
                       der(0xa4, der(0x30, der(0xa0, der(0x02, b"\x12")) +
                                     der(0xa2, der(0x04, b"\0" * 100))))))
    return der(0x60, oid + b"\x01\x00" + ap)


def ticket():
    out = []
    for names in [[b"HTTP", b"node1.kredir.test"],
                  [b"host", b"node1.kredir.test"],
                  [b"cifs", b"www.kredir.test"], [b"krbtgt"],
                  [b"HTTP", b"a", b"b"]]:
        tok = ap_req(names)
        out += [tok, neg_init([KRB5_OID], tok),
                neg_init([KRB5_OID, NTLM_OID], tok)]
    out += [ap_req([b"HTTP", b"node1.kredir.test"], KRB5_MS_OID)]
    out += list(TOKENS)
    return out


def main():
    write("negotiate", negotiate())
    write("host", host())
    write("location", location())
    write("cookie", cookies())
    write("config", config())
    write("ntlm", ntlm())
    write("pac", pac())
    write("basic", basic())
    write("ticket", ticket())
    return 0


if __name__ == "__main__":
    sys.exit(main())
