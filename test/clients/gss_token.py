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

Channel bindings (RFC 5929 tls-server-end-point, as Windows SSPI sends
them over https): the hash of the certificate the server presents, taken
from a TLS connection to it, or given in hex (a wrong one, for tests).

    gss_token.py --cb-server node1.kredir.test:8443:127.0.0.11 \
        --cb-hash sha256 HTTP@node1.kredir.test
    gss_token.py --cb-data 00ff... HTTP@node1.kredir.test
"""
import argparse
import base64
import hashlib
import socket
import ssl
import sys

import gssapi

MECHS = {
    "spnego": "1.3.6.1.5.5.2",
    "krb5": "1.2.840.113554.1.2.2",
}


def server_certificate(spec):
    """The DER certificate that HOST:PORT[:ADDR] presents (SNI HOST,
    connecting to ADDR); not verified: the binding is what checks it."""
    parts = spec.split(":")
    if len(parts) not in (2, 3):
        raise ValueError("--cb-server wants HOST:PORT[:ADDR]")
    host, port = parts[0], int(parts[1])
    addr = parts[2] if len(parts) == 3 else host
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection((addr, port), timeout=10) as sock:
        with ctx.wrap_socket(sock, server_hostname=host) as tls:
            return tls.getpeercert(binary_form=True)


def channel_bindings(args):
    """gssapi ChannelBindings for tls-server-end-point, or None."""
    if args.cb_data is not None:
        digest = bytes.fromhex(args.cb_data)
    elif args.cb_server is not None:
        der = server_certificate(args.cb_server)
        digest = hashlib.new(args.cb_hash, der).digest()
    else:
        return None
    if args.print_binding:
        print(digest.hex(), file=sys.stderr)
    # No addresses (GSS_C_AF_UNSPEC), the binding as application data.
    return gssapi.raw.ChannelBindings(
        application_data=b"tls-server-end-point:" + digest)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("target", help="service@host, e.g. HTTP@node1.kredir.test")
    ap.add_argument("--mech", choices=sorted(MECHS), default="spnego")
    ap.add_argument("--no-delegate", action="store_true",
                    help="do not forward the TGT")
    ap.add_argument("--count", type=int, default=1,
                    help="tokens to print, one per line, each a new context")
    ap.add_argument("--cb-server", metavar="HOST:PORT[:ADDR]",
                    help="bind to the certificate this TLS server presents")
    ap.add_argument("--cb-hash", default="sha256",
                    help="the certificate's hash (RFC 5929 section 4.1)")
    ap.add_argument("--cb-data", metavar="HEX",
                    help="bind to this hash instead")
    ap.add_argument("--print-binding", action="store_true",
                    help="print the binding's hash (hex) on stderr")
    args = ap.parse_args()

    flags = (gssapi.RequirementFlag.mutual_authentication
             | gssapi.RequirementFlag.out_of_sequence_detection)
    if not args.no_delegate:
        flags |= gssapi.RequirementFlag.delegate_to_peer
    mech = gssapi.OID.from_int_seq(MECHS[args.mech])
    try:
        cb = channel_bindings(args)
        name = gssapi.Name(args.target, gssapi.NameType.hostbased_service)
        for _ in range(args.count):
            ctx = gssapi.SecurityContext(name=name, usage="initiate",
                                         flags=flags, mech=mech,
                                         channel_bindings=cb)
            token = ctx.step()
            if not token:
                print("gss_token.py: empty token", file=sys.stderr)
                return 1
            sys.stdout.write(base64.b64encode(token).decode("ascii") + "\n")
    except (gssapi.exceptions.GSSError, OSError, ValueError) as e:
        print("gss_token.py: %s" % e, file=sys.stderr)
        return 1
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
