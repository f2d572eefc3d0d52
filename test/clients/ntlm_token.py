#!/usr/bin/python3
"""Print the base64 first-leg token of a client that fell back to NTLM.

What a browser sends when it cannot get a Kerberos ticket for the name
(no SPN, not in the intranet zone...): either a raw NTLMSSP NEGOTIATE
message ("Negotiate TlRMTVNTUA...") or a SPNEGO NegTokenInit whose
mechanism list holds only NTLMSSP.  Made with gss-ntlmssp; NTLM_USER_FILE
must name a "DOMAIN:user:password" file.

    ntlm_token.py [--spnego] [--user 'KREDIR\\alice'] [HTTP@node1.kredir.test]
"""
import argparse
import base64
import os
import sys

import gssapi
import gssapi.raw

NTLMSSP = gssapi.OID.from_int_seq("1.3.6.1.4.1.311.2.2.10")
SPNEGO = gssapi.OID.from_int_seq("1.3.6.1.5.5.2")


def make_token(target, user, spnego):
    """Returns the initiator's first token, raw NTLMSSP or SPNEGO."""
    name = gssapi.Name(user, gssapi.NameType.user)
    peer = gssapi.Name(target, gssapi.NameType.hostbased_service)
    if spnego:
        cred = gssapi.Credentials(name=name, usage="initiate", mechs=[SPNEGO])
        # SPNEGO would also offer krb5: restrict it to NTLMSSP alone.
        gssapi.raw.set_neg_mechs(cred, [NTLMSSP])
        mech = SPNEGO
    else:
        cred = gssapi.Credentials(name=name, usage="initiate", mechs=[NTLMSSP])
        mech = NTLMSSP
    ctx = gssapi.SecurityContext(name=peer, creds=cred, mech=mech,
                                 usage="initiate")
    return ctx.step()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("target", nargs="?", default="HTTP@node1.kredir.test")
    ap.add_argument("--user", default="KREDIR\\alice")
    ap.add_argument("--spnego", action="store_true",
                    help="wrap it in SPNEGO offering only NTLMSSP")
    args = ap.parse_args()
    if not os.environ.get("NTLM_USER_FILE"):
        print("ntlm_token.py: NTLM_USER_FILE is not set", file=sys.stderr)
        return 1
    try:
        token = make_token(args.target, args.user, args.spnego)
    except gssapi.exceptions.GSSError as e:
        print("ntlm_token.py: %s" % e, file=sys.stderr)
        return 1
    # Refuse to print something that is not what we claim it is.
    if args.spnego:
        ok = token[:1] == b"\x60" and b"\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a" in token
    else:
        ok = token.startswith(b"NTLMSSP\x00\x01\x00\x00\x00")
    if not ok:
        print("ntlm_token.py: unexpected token %r" % token[:16], file=sys.stderr)
        return 1
    print(base64.b64encode(token).decode("ascii"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
