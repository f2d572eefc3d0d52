#!/usr/bin/python3
"""The first page of test/integration/https.sh's headless Chromium: it
asks once for /warm (a bare "401 Negotiate"), then goes to the URL to
test, before its own load ends (so --dump-dom waits for that one).

Why: Chromium 156 on Linux refuses Negotiate on the first challenge it
meets in a session (AUTH_HANDLER_CREATE_RESULT net_error -339,
ERR_UNSUPPORTED_AUTH_SCHEME, in its net log: the GSSAPI library is not
loaded yet) and loads it for the next one.  Spending that first
challenge here keeps it off the login under test.  /warm's challenge
names start.<domain>, which has no principal: nothing logs in here.

    browser_start.py --listen 127.0.0.12:8080 https://www.kredir.test/
"""
import argparse
import html
import http.server
import json
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "browser-start/1"

    def do_GET(self):
        if self.path == "/warm":
            self.send_response(401)
            self.send_header("WWW-Authenticate", "Negotiate")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = ("<!DOCTYPE html><title>start</title><script>\n"
                "var x = new XMLHttpRequest();\n"
                "x.open('GET', '/warm', false);\n"
                "try { x.send(); } catch (e) {}\n"
                "location.replace(%s);\n</script><p>%s</p>\n"
                % (json.dumps(self.server.target),
                   html.escape(self.server.target))).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        sys.stderr.write("%s\n" % (fmt % args))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--listen", required=True, help="ADDR:PORT")
    ap.add_argument("target")
    args = ap.parse_args()
    addr, _, port = args.listen.rpartition(":")
    srv = http.server.HTTPServer((addr, int(port)), Handler)
    srv.target = args.target
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
