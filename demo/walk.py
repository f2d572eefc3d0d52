#!/usr/bin/python3
"""Walk one login through a kredir farm the way a browser does.

A small HTTP client (http.client + python-gssapi, nothing else): it
follows redirects, keeps cookies per host, and answers a bare
"WWW-Authenticate: Negotiate" challenge with a fresh SPNEGO token for
HTTP@<the host it is talking to>, delegating the user's TGT, exactly once
per request; it checks the server's mutual-authentication token.  Unlike
curl it sends nothing before it is challenged.  Names are never looked
up: every host:port must be given with --resolve.

    walk.py [--resolve HOST:PORT:ADDR]... [--no-delegate] [--json] URL

Prints each hop in plain words (or, with --json, one JSON object per hop
and a final one with "final": true), then exits 0 when the last answer
was a 200.
"""
import argparse
import base64
import http.client
import json
import sys
import urllib.parse

import gssapi

SPNEGO = gssapi.OID.from_int_seq("1.3.6.1.5.5.2")
REDIRECTS = (301, 302, 303, 307, 308)


class Walker:
    def __init__(self, resolve, delegate, max_hops):
        self.resolve = resolve
        self.delegate = delegate
        self.max_hops = max_hops
        self.cookies = {}       # host -> {name: value}
        self.hops = []

    def new_token(self, host):
        """A fresh initiator context for HTTP@host; (ctx, token) or raises
        gssapi's error."""
        flags = (gssapi.RequirementFlag.mutual_authentication |
                 gssapi.RequirementFlag.out_of_sequence_detection)
        if self.delegate:
            flags |= gssapi.RequirementFlag.delegate_to_peer
        name = gssapi.Name("HTTP@" + host, gssapi.NameType.hostbased_service)
        ctx = gssapi.SecurityContext(name=name, usage="initiate",
                                     flags=flags, mech=SPNEGO)
        return ctx, ctx.step()

    def send(self, url, token):
        u = urllib.parse.urlsplit(url)
        port = u.port or 80
        addr = self.resolve.get((u.hostname, port))
        if addr is None:
            raise SystemExit("walk.py: no --resolve for %s:%d" %
                             (u.hostname, port))
        hdrs = {"Host": u.netloc, "User-Agent": "kredir-walk/1",
                "Accept": "*/*"}
        jar = self.cookies.get(u.hostname, {})
        if jar:
            hdrs["Cookie"] = "; ".join("%s=%s" % kv for kv in jar.items())
        if token:
            hdrs["Authorization"] = ("Negotiate " +
                                     base64.b64encode(token).decode())
        conn = http.client.HTTPConnection(addr, port, timeout=15)
        path = u.path or "/"
        if u.query:
            path += "?" + u.query
        conn.request("GET", path, headers=hdrs)
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        for sc in resp.headers.get_all("Set-Cookie") or []:
            pair = sc.split(";", 1)[0]
            k, _, v = pair.partition("=")
            self.cookies.setdefault(u.hostname, {})[k.strip()] = v.strip()
        return resp, body

    def hop(self, url):
        """One request, with a Negotiate round if challenged; returns the
        hop record."""
        host = urllib.parse.urlsplit(url).hostname
        rec = {"url": url, "cookie_sent": bool(self.cookies.get(host))}
        resp, body = self.send(url, None)
        challenge = resp.headers.get_all("WWW-Authenticate") or []
        if resp.status == 401 and "Negotiate" in [c.strip() for c in challenge]:
            rec["challenged"] = True
            try:
                ctx, tok = self.new_token(host)
            except gssapi.exceptions.GSSError as e:
                rec["token_error"] = str(e)
                ctx = None
            if ctx is not None:
                rec["token_sent"] = True
                rec["delegating"] = self.delegate
                # SPNEGO falls back to NTLM silently when there is no
                # ticket for the name and gss-ntlmssp has a password.
                rec["ntlm"] = b"NTLMSSP\0" in tok
                resp, body = self.send(url, tok)
                rec["mutual"] = self.mutual(ctx, resp)
        rec["status"] = resp.status
        loc = resp.headers.get("Location")
        if loc:
            rec["location"] = loc
        rec["set_cookie"] = [sc.split("=", 1)[0] for sc in
                             resp.headers.get_all("Set-Cookie") or []]
        ra = resp.headers.get("Retry-After")
        if ra:
            rec["retry_after"] = ra
        rec["body"] = body.decode("utf-8", "replace")
        return rec

    @staticmethod
    def mutual(ctx, resp):
        """True when the server's last token completes our context (it
        proved it holds the key we got the ticket for)."""
        for c in resp.headers.get_all("WWW-Authenticate") or []:
            parts = c.split(None, 1)
            if len(parts) == 2 and parts[0].lower() == "negotiate":
                try:
                    ctx.step(base64.b64decode(parts[1]))
                    return ctx.complete
                except (gssapi.exceptions.GSSError, ValueError):
                    return False
        return None

    def walk(self, url):
        for _ in range(self.max_hops):
            rec = self.hop(url)
            self.hops.append(rec)
            if rec["status"] not in REDIRECTS or "location" not in rec:
                break
            url = urllib.parse.urljoin(url, rec["location"])
        return self.hops


def say(rec, n):
    """One hop in plain words."""
    u = urllib.parse.urlsplit(rec["url"])
    out = ["%d. GET %s" % (n, rec["url"])]
    if rec.get("cookie_sent"):
        out.append("   the browser shows its session cookie for %s" %
                   u.hostname)
    if rec.get("challenged"):
        out.append("   %s asks for Kerberos (401, WWW-Authenticate: "
                   "Negotiate)" % u.hostname)
        if rec.get("token_error"):
            out.append("   the browser cannot get a ticket for HTTP/%s: %s"
                       % (u.hostname, rec["token_error"].strip()))
            out.append("   (a real browser now falls back to NTLM or shows a "
                       "password box: no Kerberos, no delegation)")
        elif rec.get("ntlm"):
            out.append("   the browser finds no Kerberos ticket for HTTP/%s and "
                       "silently falls back to NTLM: it sends an NTLM "
                       "message instead" % u.hostname)
        elif rec.get("token_sent"):
            out.append("   the browser gets a ticket for HTTP/%s from the KDC "
                       "and sends it%s" % (u.hostname,
                       ", with alice's TGT forwarded (delegation)"
                       if rec.get("delegating") else ", without delegation"))
    st = rec["status"]
    line = "   -> %d" % st
    if rec.get("location"):
        line += ", Location: %s" % rec["location"]
    if rec.get("retry_after"):
        line += ", Retry-After: %s" % rec["retry_after"]
    out.append(line)
    if rec.get("mutual") is True:
        out.append("   the server proved it holds the key of HTTP/%s "
                   "(mutual authentication)" % u.hostname)
    if rec.get("set_cookie"):
        out.append("   the server sets cookie(s): %s" %
                   ", ".join(rec["set_cookie"]))
    if st in REDIRECTS:
        pass
    elif st == 200:
        out.append("   the page says:")
        out += ["     | " + ln for ln in rec["body"].rstrip().splitlines()]
    else:
        first = rec["body"].strip().splitlines()[:3]
        if first:
            out.append("   the page says: " + " / ".join(first)[:200])
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("url")
    ap.add_argument("--resolve", action="append", default=[],
                    metavar="HOST:PORT:ADDR")
    ap.add_argument("--no-delegate", action="store_true")
    ap.add_argument("--max-hops", type=int, default=8)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    resolve = {}
    for r in args.resolve:
        h, p, a = r.rsplit(":", 2)
        resolve[(h.lower(), int(p))] = a
    w = Walker(resolve, not args.no_delegate, args.max_hops)
    hops = w.walk(args.url)
    last = hops[-1]
    if args.json:
        for rec in hops:
            print(json.dumps(rec, sort_keys=True))
        print(json.dumps({"final": True, "status": last["status"],
                          "url": last["url"], "hops": len(hops),
                          "body": last["body"]}, sort_keys=True))
    else:
        for i, rec in enumerate(hops, 1):
            print(say(rec, i))
    return 0 if last["status"] == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
