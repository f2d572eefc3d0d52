#!/usr/bin/python3
"""Send a shuffled mix of kredir requests through a web server and check
every status.  For leak and load tests: thousands of requests from one
process over keep-alive connections.

    request_mix.py --addr 127.0.0.11 --port 8080 --fqdn node1.kredir.test
        --vhost www.kredir.test --tokens FILE --ntlm FILE --cookie VALUE
        --replay TOKEN --count 1000 [--threads 2] [--seed 1]

Kinds (expected status with kredir.ini's action = headers,
unknown_host = redirect, require_delegation = yes):
    redirect    the virtual name                          302
    unknown     a host kredir does not know               302
    challenge   the FQDN, no Authorization                401
    negotiate   a fresh delegating token from --tokens    200
    cookie      the session cookie (--cookie)             200
    forged      the cookie with its MAC altered           401
    replay      --replay, a token already accepted        401
    garbage     Negotiate !!!notbase64                     400
    padding     Negotiate a=== (impossible base64)        400
    random      valid base64 of random bytes              401
    ntlm        raw / SPNEGO NTLMSSP tokens (--ntlm)      403
    basic       Authorization: Basic                      401
    badhost     a malformed Host header                   400
    big         a token over max_token (--max-token)      431
negotiate takes a quarter of the requests, limited by the tokens in the
file (each line is used once).  Prints one line per kind and a total;
exits 1 if any status was not the expected one.
"""
import argparse
import base64
import collections
import http.client
import os
import queue
import random
import sys
import threading

EXPECT = {
    "redirect": 302, "unknown": 302, "challenge": 401, "negotiate": 200,
    "cookie": 200, "forged": 401, "replay": 401, "garbage": 400,
    "padding": 400, "random": 401, "ntlm": 403, "basic": 401,
    "badhost": 400, "big": 431,
}
# Weights of the kinds other than negotiate.
WEIGHTS = {
    "redirect": 14, "unknown": 3, "challenge": 14, "cookie": 20,
    "forged": 4, "replay": 4, "garbage": 5, "padding": 3, "random": 5,
    "ntlm": 6, "basic": 3, "badhost": 5, "big": 2,
}
BAD_HOSTS = ["exa mple.kredir.test", "node1.kredir.test:99999",
             "node1.kredir.test:8x", "-node1.kredir.test", "[::1",
             "node1.kredir.test:", "a" * 300 + ".kredir.test"]


def plan(args, tokens):
    """The shuffled list of (kind, host, headers)."""
    rnd = random.Random(args.seed)
    n_neg = min(len(tokens), args.count // 4)
    kinds = ["negotiate"] * n_neg
    rest = args.count - n_neg
    total = sum(WEIGHTS.values())
    for k, w in WEIGHTS.items():
        kinds += [k] * (rest * w // total)
    kinds += ["challenge"] * (args.count - len(kinds))
    rnd.shuffle(kinds)
    ntlm = [t for t in open(args.ntlm).read().split() if t]
    out = []
    tok = iter(tokens)
    for k in kinds:
        host, hdrs = args.fqdn, {}
        if k == "redirect":
            host = args.vhost
        elif k == "unknown":
            host = "other-%d.example" % rnd.randrange(1000)
        elif k == "negotiate":
            hdrs["Authorization"] = "Negotiate " + next(tok)
        elif k == "cookie":
            hdrs["Cookie"] = "kredir_session=" + args.cookie
        elif k == "forged":
            c = args.cookie
            hdrs["Cookie"] = "kredir_session=" + c[:-1] + \
                ("A" if c[-1] != "A" else "B")
        elif k == "replay":
            hdrs["Authorization"] = "Negotiate " + args.replay
        elif k == "garbage":
            hdrs["Authorization"] = "Negotiate !!!notbase64"
        elif k == "padding":
            hdrs["Authorization"] = "Negotiate a==="
        elif k == "random":
            hdrs["Authorization"] = "Negotiate " + base64.b64encode(
                os.urandom(rnd.randrange(1, 2048))).decode()
        elif k == "ntlm":
            hdrs["Authorization"] = "Negotiate " + rnd.choice(ntlm)
        elif k == "basic":
            hdrs["Authorization"] = "Basic YWxpY2U6cGFzc3dvcmQ="
        elif k == "badhost":
            host = rnd.choice(BAD_HOSTS)
        elif k == "big":
            hdrs["Authorization"] = "Negotiate " + base64.b64encode(
                b"\0" * (args.max_token + 1)).decode()
        out.append((k, host, hdrs))
    return out


class Client:
    """One keep-alive connection, reopened when the server closes it."""

    def __init__(self, addr, port):
        self.addr, self.port, self.conn = addr, port, None

    def get(self, host, hdrs):
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.addr, self.port,
                                                       timeout=120)
            try:
                self.conn.putrequest("GET", "/", skip_host=True,
                                     skip_accept_encoding=True)
                self.conn.putheader("Host", host)
                for k, v in hdrs.items():
                    self.conn.putheader(k, v)
                self.conn.endheaders()
                r = self.conn.getresponse()
                r.read()
                if r.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return r.status
            except (http.client.RemoteDisconnected, ConnectionResetError,
                    BrokenPipeError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--addr", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--fqdn", required=True)
    ap.add_argument("--vhost", required=True)
    ap.add_argument("--tokens", required=True)
    ap.add_argument("--ntlm", required=True)
    ap.add_argument("--cookie", required=True)
    ap.add_argument("--replay", required=True,
                    help="a token the server has already accepted")
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--max-token", type=int, default=16384)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    tokens = [t for t in open(args.tokens).read().split() if t]
    work = queue.Queue()
    for item in plan(args, tokens):
        work.put(item)
    tally = collections.defaultdict(collections.Counter)
    lock = threading.Lock()

    def run():
        c = Client(args.addr, args.port)
        while True:
            try:
                k, host, hdrs = work.get_nowait()
            except queue.Empty:
                return
            try:
                st = c.get(host, hdrs)
            except Exception as e:  # noqa: a failed request is counted
                st = "error:%s" % type(e).__name__
            with lock:
                tally[k][st] += 1

    threads = [threading.Thread(target=run) for _ in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = bad = 0
    for k in sorted(tally):
        n = sum(tally[k].values())
        wrong = n - tally[k][EXPECT[k]]
        total += n
        bad += wrong
        print("%-10s %5d sent, want %d, got %s" % (
            k, n, EXPECT[k],
            " ".join("%s x%d" % (s, c) for s, c in sorted(
                tally[k].items(), key=lambda i: str(i[0])))))
    print("requests=%d unexpected=%d" % (total, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
