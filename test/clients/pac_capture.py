#!/usr/bin/python3
"""Capture the PAC buffers MIT's GSS-API verified, as kredir sees them.

Initiates a krb5 context to TARGET with the caller's ticket cache
(KRB5CCNAME), accepts it with KEYTAB, and writes each authenticated
name attribute of the initiator (urn:mspac:logon-info, ...) to
OUTDIR/PREFIX.<attribute-suffix>.bin.  An attribute MIT did not
authenticate is refused (exit 1): it must never be used.

    pac_capture.py HTTP@node1.kredir-ad.test node1.keytab data alice
"""
import os
import sys

import gssapi
import gssapi.raw as raw
from gssapi.raw import ext_rfc6680 as rfc6680

ATTRS = {
    b"urn:mspac:logon-info": "logon-info",
    b"urn:mspac:upn-dns-info": "upn-dns-info",
}


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    target, keytab, outdir, prefix = sys.argv[1:]
    krb5 = gssapi.OID.from_int_seq("1.2.840.113554.1.2.2")
    name = gssapi.Name(target, gssapi.NameType.hostbased_service)
    ictx = gssapi.SecurityContext(name=name, mech=krb5, usage="initiate")
    tok = ictx.step()
    store = {b"keytab": keytab.encode()}
    acred = raw.acquire_cred_from(store, usage="accept").creds
    actx = gssapi.SecurityContext(creds=acred, usage="accept")
    actx.step(tok)
    src = actx.initiator_name
    for attr, suffix in ATTRS.items():
        res = rfc6680.get_name_attribute(src, attr)
        if not res.authenticated:
            sys.exit("%s: not authenticated" % attr.decode())
        path = os.path.join(outdir, "%s.%s.bin" % (prefix, suffix))
        with open(path, "wb") as f:
            f.write(res.values[0])
        print("%s: %d bytes" % (path, len(res.values[0])))
    print("principal: %s" % src)


if __name__ == "__main__":
    main()
