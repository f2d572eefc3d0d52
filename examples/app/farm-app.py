#!/usr/bin/python3
"""A web application behind kredir that calls a backend as the user.

nginx asks kredir (auth_request) who the user is and passes the answer on
as two request headers, which nginx itself sets (a client cannot forge
them: proxy_set_header replaces whatever the client sent):

    X-Remote-User     alice@EXAMPLE.COM
    X-Kredir-Ccache   FILE:/run/kredir/ccache/krb5cc_<32 hex>
    X-Kredir-Delegation  unconstrained | constrained | none

The application then does what the whole farm exists for: it calls the
backend with Negotiate, AS THE USER, with KRB5CCNAME set to the cache
kredir stored, and reports what the backend saw.  Only the Python
standard library and curl; one plain-text answer per request:

    node: node1.example.com
    user: alice@EXAMPLE.COM
    delegated: yes
    backend status: 200
    backend saw: alice@EXAMPLE.COM

    farm-app.py --listen 127.0.0.1:8081 --node node1.example.com \\
        --cache-dir /run/kredir/ccache \\
        --backend http://backend.example.com/whoami [--resolve H:P:ADDR]
"""
import argparse
import http.server
import os
import re
import subprocess
import sys

CCACHE_RE = re.compile(r"^FILE:(/[A-Za-z0-9._/-]+)$")


def call_backend(args, ccache_path):
    """Calls the backend with the user's delegated cache; returns
    (status, first line of the body or curl's complaint)."""
    cmd = ["curl", "-sS", "--max-time", "10", "--negotiate", "-u", ":",
           "--delegation", "none", "-o", "-", "-w", "\n%{http_code}"]
    for r in args.resolve:
        cmd += ["--resolve", r]
    cmd.append(args.backend)
    env = dict(os.environ, KRB5CCNAME="FILE:" + ccache_path)
    try:
        out = subprocess.run(cmd, env=env, capture_output=True, text=True,
                             timeout=15)
    except (OSError, subprocess.TimeoutExpired) as e:
        return "none", "cannot run curl: %s" % e
    body, _, status = out.stdout.rpartition("\n")
    said = body.strip().splitlines()[0] if body.strip() else ""
    if status != "200":
        said = said[:80] if said else out.stderr.strip()[:160]
    return status or "none", said


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "farm-app/1"

    def do_GET(self):
        args = self.server.args
        user = self.headers.get("X-Remote-User", "")
        ccache = self.headers.get("X-Kredir-Ccache", "")
        kind = self.headers.get("X-Kredir-Delegation", "")
        lines = ["node: %s" % args.node, "user: %s" % (user or "(none)")]
        m = CCACHE_RE.match(ccache)
        path = m.group(1) if m else ""
        inside = (path and os.path.dirname(path) ==
                  os.path.normpath(args.cache_dir))
        if not user:
            status = 403
            lines.append("delegated: no (nginx passed no user)")
        elif not inside or not os.path.isfile(path):
            status = 200
            lines.append("delegated: no")
            lines.append("backend status: not called")
        else:
            status = 200
            lines.append("delegated: yes")
            if kind in ("unconstrained", "constrained"):
                lines.append("delegation: %s" % kind)
            code, said = call_backend(args, path)
            lines.append("backend status: %s" % code)
            lines.append("backend saw: %s" % said)
        body = ("\n".join(lines) + "\n").encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *a):
        sys.stderr.write("farm-app: %s %s\n" % (self.address_string(),
                                                fmt % a))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--listen", required=True, help="ADDR:PORT")
    ap.add_argument("--node", required=True, help="this node's name")
    ap.add_argument("--cache-dir", required=True,
                    help="kredir's cache_dir: the only caches accepted")
    ap.add_argument("--backend", required=True, help="the backend's URL")
    ap.add_argument("--resolve", action="append", default=[],
                    help="curl --resolve HOST:PORT:ADDR (repeatable)")
    args = ap.parse_args()
    addr, _, port = args.listen.rpartition(":")
    srv = http.server.ThreadingHTTPServer((addr, int(port)), Handler)
    srv.args = args
    srv.serve_forever()


if __name__ == "__main__":
    main()
