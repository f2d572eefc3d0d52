/*
 * check_files.c: the files and users side of "kredir check": whom kredir
 * serves as, the configuration file, the TLS certificate, the cache
 * directory's file system and contents (its owner and mode are
 * preflight.c's, shared with the daemon's start), the syslog socket.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include "check.h"

#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC	0x01021994
#endif

/* ------------------------------------------------------------ identity */

/* The [server] user when we are root, else ourselves (preflight.c). */
void
check_user(struct report *r, const struct config *c, struct preflight_who *w)
{
	(void)preflight_user(r->pf, c, w);
	report_findings(r);
}

/* -------------------------------------------------------------- config */

void
check_config(struct report *r, const struct config *c, const char *path)
{
	char own[128], vh[KREDIR_MAX_VHOSTS * KREDIR_HOSTBUF], fix[1200];
	struct stat st;

	vh[0] = '\0';
	for (size_t i = 0; i < c->nvhosts; i++)
		check_append(vh, sizeof(vh), "%s%s", i > 0 ? ", " : "",
		    c->vhosts[i]);
	if (stat(path, &st) == -1) {
		report_add(r, CHECK_WARN, "config", "run kredir check -c with "
		    "the file kredir uses", "%s: %s (the settings below may "
		    "not be what kredir uses)", path, strerror(errno));
		return;
	}
	preflight_describe_owner(&st, own, sizeof(own));
	if ((st.st_mode & 022) != 0) {
		report_add(r, CHECK_WARN, "config", fmtf(fix, sizeof(fix),
		    "chmod go-w %s", path), "%s (%s) can be changed by group "
		    "or others", path, own);
		return;
	}
	report_add(r, CHECK_OK, "config", NULL, "%s (%s): fqdn %s, mode %s, "
	    "virtual hosts: %s", path, own, c->fqdn, c->mode ==
	    CONF_MODE_SHARED_SPN ? "shared-spn" : "redirect", vh[0] != '\0' ?
	    vh : "none");
}

/* ----------------------------------------------------- channel binding */

/* preflight.c's certificate check; require over plain http warns. */
void
check_tls(struct report *r, const struct config *c,
    const struct preflight_who *w)
{
	struct tlsbind b;

	preflight_tls(r->pf, c, w, &b);
	report_findings(r);
	if (c->channel_binding == CONF_CB_REQUIRE && b.len > 0 &&
	    strcmp(c->scheme, "https") != 0)
		report_add(r, CHECK_WARN, "tls.binding", "set [node] scheme = "
		    "https", "channel_binding = require with scheme = %s: "
		    "logins over plain http are refused", c->scheme);
}

/* ---------------------------------------------------------------- log */

/* 0 if something listens on the socket path (glibc: dgram, then stream). */
static int
log_socket_connect(const char *path, char *err, size_t errlen)
{
	static const int types[] = { SOCK_DGRAM, SOCK_STREAM };
	struct sockaddr_un sun;
	int fd, e = 0;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	for (size_t i = 0; i < 2; i++) {
		if ((fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0)) == -1) {
			e = errno;
			continue;
		}
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			close(fd);
			return 0;
		}
		e = errno;
		close(fd);
	}
	snprintf(err, errlen, "nothing listens on it (%s)", strerror(e));
	return -1;
}

/*
 * "log": with destination = syslog, the lines go to /dev/log; glibc
 * drops them silently when nothing is there.
 */
void
check_log(struct report *r, const struct config *c, const char *devlog)
{
	static const char fix[] = "run a syslog daemon or systemd-journald, "
	    "or set [log] destination = stderr";
	struct stat st;
	char why[160];

	if (c->log_destination != CONF_LOG_SYSLOG) {
		report_add(r, CHECK_OK, "log", NULL, "destination = stderr: "
		    "the lines go where the service manager or web server "
		    "puts kredir's stderr");
		return;
	}
	if (stat(devlog, &st) == -1)
		snprintf(why, sizeof(why), "%s", strerror(errno));
	else if (!S_ISSOCK(st.st_mode))
		snprintf(why, sizeof(why), "not a socket");
	else if (log_socket_connect(devlog, why, sizeof(why)) == 0) {
		report_add(r, CHECK_OK, "log", NULL, "destination = syslog: "
		    "%s is a socket something listens on", devlog);
		return;
	}
	report_add(r, CHECK_WARN, "log", fix, "destination = syslog, but %s: "
	    "%s: kredir's lines would go nowhere (syslog(3) drops them "
	    "silently)", devlog, why);
}

/* ---------------------------------------------------------- cache dir */

/* Session caches, temporary files and anything else in dir. */
static void
check_cache_files(struct report *r, const char *dir)
{
	unsigned caches = 0, temps = 0, other = 0, idents = 0;
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) == NULL) {
		report_add(r, CHECK_WARN, "cache_dir.files", "run kredir check "
		    "as root or as kredir's user", "%s cannot be listed: %s",
		    dir, strerror(errno));
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (strncmp(de->d_name, "krb5cc_", 7) != 0)
			other++;
		else if (ident_is_file(de->d_name))
			idents++;
		else if (strchr(de->d_name, '.') != NULL)
			temps++;
		else
			caches++;
	}
	closedir(d);
	report_add(r, other > 0 ? CHECK_WARN : CHECK_OK, "cache_dir.files",
	    "keep the cache directory for kredir alone", "%u session cache%s "
	    "(%u with groups), %u temporary file%s, %u other entr%s", caches,
	    caches == 1 ? "" : "s", idents, temps, temps == 1 ? "" : "s",
	    other, other == 1 ? "y" : "ies");
}

void
check_cache_dir(struct report *r, const struct config *c,
    const struct preflight_who *w)
{
	const char *d = c->cache_dir;
	struct statfs sf;
	gid_t gid;

	preflight_cache_dir(r->pf, c, w, &gid);
	report_findings(r);
	if (statfs(d, &sf) == 0 && sf.f_type == TMPFS_MAGIC)
		report_add(r, CHECK_OK, "cache_dir.fs", NULL, "%s is on tmpfs",
		    d);
	else
		report_add(r, CHECK_WARN, "cache_dir.fs", "put it on tmpfs "
		    "(e.g. under /run/kredir)", "%s is not on tmpfs: caches "
		    "are secrets that should not reach a disk or survive a "
		    "reboot, and storing them on tmpfs is faster", d);
	check_cache_files(r, d);
}

