#!/usr/bin/python3
"""Print one fresh base64 GSS-API initiator token, the value a browser
puts after "Authorization: Negotiate".

Uses the caller's Kerberos environment (KRB5CCNAME, KRB5_CONFIG).  Each
run builds a new security context, so each token is new; sending the same
output twice is a replay.

    gss_token.py HTTP@node1.kredir.test            # SPNEGO, delegating
    gss_token.py --no-delegate HTTP@node1.kredir.test
    gss_token.py --mech krb5 HTTP@node1.kredir.test
    gss_token.py --count 500 HTTP@node1.kredir.test  # one per line, for load
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
    ap.add_argument("target", help="service@host, e.g. HTTP@node1.kredir.test")
    ap.add_argument("--mech", choices=sorted(MECHS), default="spnego")
    ap.add_argument("--no-delegate", action="store_true",
                    help="do not forward the TGT")
    ap.add_argument("--count", type=int, default=1,
                    help="tokens to print, one per line, each a new context")
    args = ap.parse_args()

    flags = (gssapi.RequirementFlag.mutual_authentication
             | gssapi.RequirementFlag.out_of_sequence_detection)
    if not args.no_delegate:
        flags |= gssapi.RequirementFlag.delegate_to_peer
    mech = gssapi.OID.from_int_seq(MECHS[args.mech])
    try:
        name = gssapi.Name(args.target, gssapi.NameType.hostbased_service)
        for _ in range(args.count):
            ctx = gssapi.SecurityContext(name=name, usage="initiate",
                                         flags=flags, mech=mech)
            token = ctx.step()
            if not token:
                print("gss_token.py: empty token", file=sys.stderr)
                return 1
            sys.stdout.write(base64.b64encode(token).decode("ascii") + "\n")
    except gssapi.exceptions.GSSError as e:
        print("gss_token.py: %s" % e, file=sys.stderr)
        return 1
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
