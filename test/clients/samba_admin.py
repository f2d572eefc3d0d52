#!/usr/bin/python3
"""Run a batch of samba-tool commands, and LDIF imports, against a local
Samba AD database in one process (what an AD administrator types, without
paying samba-tool's ~0.6 s start-up per command).

    samba_admin.py -s DIR/etc/smb.conf BATCH

BATCH holds one command per line; blank lines and # comments are skipped.
A line is either the arguments of samba-tool, split like a shell would
(`user create alice 'pass word'`), or

    ldif-add FILE       add the LDIF records of FILE      (ldbadd -H sam.ldb)
    ldif-modify FILE    apply the LDIF changes of FILE    (ldbmodify -H sam.ldb)

Every samba-tool command gets `--configfile=SMB.CONF`.  The first command
that fails stops the batch: exit status 1, the line on stderr.
"""
import argparse
import shlex
import signal
import sys

from samba.netcmd.main import cmd_sambatool


def open_samdb(conf):
    from samba.auth import system_session
    from samba.param import LoadParm
    from samba.samdb import SamDB

    lp = LoadParm()
    lp.load(conf)
    return SamDB(url=lp.samdb_url(), lp=lp, session_info=system_session())


def run_ldif(conf, verb, path):
    """All records of one file in one transaction."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    db = open_samdb(conf)
    db.transaction_start()
    try:
        if verb == "ldif-add":
            db.add_ldif(text)
        else:
            db.modify_ldif(text)
    except Exception:
        db.transaction_cancel()
        raise
    db.transaction_commit()


def run_tool(conf, args):
    """samba-tool ARGS; True on success (samba-tool's own convention:
    None or 0 is success, -1 or an exception a failure)."""
    cmd = cmd_sambatool()
    try:
        rc = cmd._run("samba-tool", *args, "--configfile=" + conf)
    except SystemExit as e:
        rc = e.code
    except Exception as e:  # what /usr/bin/samba-tool does too
        cmd.show_command_error(e)
        rc = 1
    return rc in (None, 0)


def main():
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-s", "--configfile", required=True, help="smb.conf")
    ap.add_argument("batch", help="file of commands, one per line")
    opts = ap.parse_args()

    with open(opts.batch, encoding="utf-8") as f:
        lines = f.read().splitlines()
    for n, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        args = shlex.split(line)
        try:
            if args[0] in ("ldif-add", "ldif-modify") and len(args) == 2:
                run_ldif(opts.configfile, args[0], args[1])
                ok = True
            else:
                ok = run_tool(opts.configfile, args)
        except Exception as e:
            print("samba_admin.py: %s" % e, file=sys.stderr)
            ok = False
        sys.stdout.flush()
        if not ok:
            print("samba_admin.py: %s:%d failed: %s" % (opts.batch, n, line),
                  file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
