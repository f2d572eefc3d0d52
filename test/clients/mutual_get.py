#!/usr/bin/python3
"""One GET with Negotiate over https, as a browser that checks the
server's mutual authentication token (RFC 4559 section 5): the token in
the success answer's WWW-Authenticate must complete the client's
security context.  Prints one line:

    <status> mutual=<ok|none|bad: why> cookie=<yes|no>

    mutual_get.py --cafile ca.pem --connect 127.0.0.11 \\
        https://node1.kredir.test:8443/app/

Uses the caller's Kerberos environment (KRB5CCNAME, KRB5_CONFIG); the
SPN is HTTP@<host of the URL>; the TGT is delegated.
"""
import argparse
import base64
import http.client
import socket
import ssl
import sys
import urllib.parse

import gssapi


def connect(url, cafile, addr):
    """An HTTPSConnection to addr, SNI and certificate check for the URL's
    host, the server verified against cafile."""
    ctx = ssl.create_default_context(cafile=cafile)
    sock = socket.create_connection((addr or url.hostname, url.port or 443),
                                    timeout=15)
    conn = http.client.HTTPSConnection(url.hostname, url.port or 443,
                                       context=ctx, timeout=15)
    conn.sock = ctx.wrap_socket(sock, server_hostname=url.hostname)
    return conn


def mutual_state(ctx, headers):
    """ok when the answer's Negotiate token completes ctx."""
    tokens = [v for k, v in headers if k.lower() == "www-authenticate"]
    if not tokens:
        return "none"
    if len(tokens) > 1:
        return "bad: %d WWW-Authenticate headers" % len(tokens)
    scheme, _, b64 = tokens[0].partition(" ")
    if scheme.lower() != "negotiate" or not b64:
        return "bad: %r" % tokens[0][:40]
    try:
        out = ctx.step(base64.b64decode(b64, validate=True))
    except (gssapi.exceptions.GSSError, ValueError) as e:
        return "bad: %s" % str(e).replace("\n", " ")[:120]
    if out or not ctx.complete:
        return "bad: context not complete"
    return "ok"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("url")
    ap.add_argument("--cafile", required=True)
    ap.add_argument("--connect", help="address to connect to")
    args = ap.parse_args()
    url = urllib.parse.urlsplit(args.url)
    flags = (gssapi.RequirementFlag.mutual_authentication
             | gssapi.RequirementFlag.delegate_to_peer)
    name = gssapi.Name("HTTP@" + url.hostname,
                       gssapi.NameType.hostbased_service)
    ctx = gssapi.SecurityContext(name=name, usage="initiate", flags=flags)
    token = base64.b64encode(ctx.step()).decode("ascii")
    conn = connect(url, args.cafile, args.connect)
    conn.request("GET", url.path or "/",
                 headers={"Authorization": "Negotiate " + token})
    resp = conn.getresponse()
    resp.read()
    headers = resp.getheaders()
    cookie = any(k.lower() == "set-cookie" for k, _ in headers)
    print("%d mutual=%s cookie=%s" % (resp.status, mutual_state(ctx, headers),
                                      "yes" if cookie else "no"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
