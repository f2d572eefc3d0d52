#!/usr/bin/python3
"""Print COUNT fresh base64 GSS-API initiator tokens, one per line.

The batch form of gss_token.py, for load and leak tests: one process,
one new security context per token, so every line is a distinct token
(each a separate login; sending a line twice is a replay).  With
delegation each token costs the KDC one TGS exchange (the forwarded TGT).
Uses the caller's Kerberos environment (KRB5CCNAME, KRB5_CONFIG).

    gss_tokens.py [--mech krb5|spnego] [--no-delegate] COUNT HTTP@node1.kredir.test
"""
import argparse
import base64
import sys

import gssapi

MECHS = {
    "spnego": "1.3.6.1.5.5.2",
    "krb5": "1.2.840.113554.1.2.2",
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("count", type=int, help="how many tokens")
    ap.add_argument("target", help="service@host, e.g. HTTP@node1.kredir.test")
    ap.add_argument("--mech", choices=sorted(MECHS), default="spnego")
    ap.add_argument("--no-delegate", action="store_true",
                    help="do not forward the TGT")
    args = ap.parse_args()

    flags = (gssapi.RequirementFlag.mutual_authentication
             | gssapi.RequirementFlag.out_of_sequence_detection)
    if not args.no_delegate:
        flags |= gssapi.RequirementFlag.delegate_to_peer
    mech = gssapi.OID.from_int_seq(MECHS[args.mech])
    out = sys.stdout
    try:
        name = gssapi.Name(args.target, gssapi.NameType.hostbased_service)
        for _ in range(args.count):
            ctx = gssapi.SecurityContext(name=name, usage="initiate",
                                         flags=flags, mech=mech)
            token = ctx.step()
            if not token:
                print("gss_tokens.py: empty token", file=sys.stderr)
                return 1
            out.write(base64.b64encode(token).decode("ascii") + "\n")
    except gssapi.exceptions.GSSError as e:
        print("gss_tokens.py: %s" % e, file=sys.stderr)
        return 1
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
