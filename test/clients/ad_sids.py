#!/usr/bin/python3
"""Print what Active Directory says a user's SIDs are, read from the local
Samba AD database (what `samba-tool user show` / `group show` report as
objectSid): one "user S-1-5-21-...", one "primary S-1-5-21-..." and one
"group S-1-5-21-..." per group the user is a direct member of (memberOf),
sorted.  The tests compare these with what kredir decodes from the PAC.

    ad_sids.py -s DIR/etc/smb.conf USER
"""
import argparse

from samba.auth import system_session
from samba.dcerpc import security
from samba.ndr import ndr_unpack
from samba.param import LoadParm
from samba.samdb import SamDB


def sid(msg):
    return str(ndr_unpack(security.dom_sid, msg["objectSid"][0]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-s", dest="conf", required=True)
    ap.add_argument("user")
    args = ap.parse_args()
    lp = LoadParm()
    lp.load(args.conf)
    db = SamDB(url=lp.samdb_url(), lp=lp, session_info=system_session())
    res = db.search(expression="(sAMAccountName=%s)" % args.user,
                    attrs=["objectSid", "primaryGroupID", "memberOf"])
    if len(res) != 1:
        raise SystemExit("%s: no such user" % args.user)
    user = sid(res[0])
    dom = user.rsplit("-", 1)[0]
    print("user", user)
    print("primary %s-%s" % (dom, res[0]["primaryGroupID"][0].decode()))
    groups = []
    for dn in res[0].get("memberOf", []):
        g = db.search(base=dn.decode(), scope=0, attrs=["objectSid"])
        groups.append(sid(g[0]))
    for g in sorted(groups):
        print("group", g)


if __name__ == "__main__":
    main()
