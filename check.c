/*
 * check.c: "kredir check", a diagnosis of this node for a support ticket.
 * One line per finding (OK, WARN or FAIL, with a fix), or a JSON array.
 * It looks at the files as the user kredir serves as (the [server] user
 * when started as root), asks the KDC with the keytab's own key, and
 * never changes anything.  This file runs the checks in order and holds
 * the node's own (name, web server side, farm, access); check_report.c
 * prints, check_files.c and check_krb5.c hold the rest, preflight.c the
 * start-up checks shared with the daemon.
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
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include "check.h"

#define NAME_TIMEOUT	3	/* seconds for the host name lookup */

/* What the health path would answer now (as this user). */
static void
check_health(struct report *r, const struct config *c)
{
	struct farm_facts f;
	char why[KREDIR_PATHBUF + 64];

	if (c->health_path[0] == '\0') {
		report_add(r, CHECK_OK, "health", NULL, "no health_path: a "
		    "load balancer cannot ask this node whether it can take "
		    "logins ([server] health_path)");
		return;
	}
	farm_health_facts(c, &f);
	if (farm_health_decide(&f, c, why, sizeof(why)) == 200)
		report_add(r, CHECK_OK, "health", NULL, "%s answers 200: %s",
		    c->health_path, why);
	else
		report_add(r, CHECK_WARN, "health", "fix what it names; the "
		    "node answers 200 again without a restart", "%s answers "
		    "503: %s (a balancer takes this node out of rotation)",
		    c->health_path, why);
}

static void
check_farm(struct report *r, const struct config *c)
{
	char fix[1200];
	struct stat st;

	if (c->bounce)
		report_add(r, CHECK_OK, "bounce", NULL, "bookmarks of %s go "
		    "back to %s (marker_ttl %u s)", c->fqdn, c->vhosts[0],
		    c->marker_ttl);
	else
		report_add(r, CHECK_OK, "bounce", NULL, "bounce_bookmarks = "
		    "no: a bookmark of %s stays on this node", c->fqdn);
	if (c->drain_file[0] == '\0')
		report_add(r, CHECK_OK, "drain", NULL, "no drain_file: this "
		    "node cannot be drained by a file");
	else if (stat(c->drain_file, &st) == 0)
		report_add(r, CHECK_WARN, "drain", fmtf(fix, sizeof(fix),
		    "rm %s when the node should take traffic again",
		    c->drain_file), "this node is draining (%s exists)",
		    c->drain_file);
	else
		report_add(r, CHECK_OK, "drain", NULL, "%s absent: this node "
		    "takes traffic", c->drain_file);
	check_health(r, c);
}

/* ---------------------------------------------------------------- name */

/* In a child: writes host's canonical name, or "!" and the error, to fd. */
static void __attribute__((noreturn))
name_child(const char *host, int fd)
{
	struct addrinfo hints, *res = NULL;
	char buf[300];
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_CANONNAME;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(host, NULL, &hints, &res);
	if (rc == 0 && res->ai_canonname != NULL)
		snprintf(buf, sizeof(buf), "%s", res->ai_canonname);
	else
		snprintf(buf, sizeof(buf), "!%s", rc != 0 ? gai_strerror(rc) :
		    "no canonical name");
	if (res != NULL)
		freeaddrinfo(res);
	if (write(fd, buf, strlen(buf)) == -1)
		rc = -1;
	_exit(rc == 0 ? 0 : 1);
}

/*
 * The canonical name of host, looked up in a child process that gets
 * NAME_TIMEOUT seconds: a resolver without an answer cannot hang the
 * check.  0, or -1 with err.
 */
static int
name_canonical(const char *host, char *out, size_t outlen, char *err,
    size_t errlen)
{
	struct pollfd pfd;
	int fds[2], rc = -1, n;
	ssize_t got = -1;
	pid_t pid;

	if (pipe(fds) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);		/* the child must not write our output again */
	if ((pid = fork()) == -1) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		name_child(host, fds[1]);
	}
	close(fds[1]);
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	while ((n = poll(&pfd, 1, NAME_TIMEOUT * 1000)) == -1 && errno == EINTR)
		;
	if (n == 1 && (got = read(fds[0], out, outlen - 1)) > 0)
		out[got] = '\0';
	if (n != 1) {
		snprintf(err, errlen, "no answer within %d s", NAME_TIMEOUT);
		kill(pid, SIGKILL);
	} else if (got <= 0)
		snprintf(err, errlen, "the lookup failed");
	else if (out[0] == '!')
		snprintf(err, errlen, "%.100s", out + 1);
	else
		rc = 0;
	close(fds[0]);
	while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
		;
	return rc;
}

/* Configured FQDN vs the system's name: a mismatch is only a warning. */
static void
check_name(struct report *r, const struct config *c)
{
	char host[256], canon[256], err[128], fix[1024];

	if (gethostname(host, sizeof(host)) == -1) {
		report_add(r, CHECK_WARN, "name", "check hostname(1)",
		    "gethostname: %s", strerror(errno));
		return;
	}
	host[sizeof(host) - 1] = '\0';
	if (strcasecmp(host, c->fqdn) == 0) {
		report_add(r, CHECK_OK, "name", NULL, "fqdn %s is the system's "
		    "host name", c->fqdn);
		return;
	}
	err[0] = '\0';
	if (name_canonical(host, canon, sizeof(canon), err,
	    sizeof(err)) == 0 && strcasecmp(canon, c->fqdn) == 0) {
		report_add(r, CHECK_OK, "name", NULL, "fqdn %s is the "
		    "canonical name of the system's host name %s", c->fqdn,
		    host);
		return;
	}
	fmtf(fix, sizeof(fix), "none if this node is meant to answer as "
	    "%s (clients and the KDC use that name); else set [node] fqdn",
	    c->fqdn);
	if (err[0] == '\0')
		report_add(r, CHECK_WARN, "name", fix, "fqdn %s, but the system "
		    "calls itself %s (canonical name %s)", c->fqdn, host,
		    canon);
	else
		report_add(r, CHECK_WARN, "name", fix, "fqdn %s, but the system "
		    "calls itself %s (canonical name unknown: %s)", c->fqdn,
		    host, err);
}

/* ----------------------------------------------------- web server side */

/* "unix:/path" or "ADDR:PORT" of a socket's local address. */
static void
describe_socket(const struct sockaddr_storage *ss, char *out, size_t outlen)
{
	char host[NI_MAXHOST], serv[NI_MAXSERV];

	if (ss->ss_family == AF_UNIX) {
		snprintf(out, outlen, "unix:%s",
		    ((const struct sockaddr_un *)ss)->sun_path);
		return;
	}
	if (getnameinfo((const struct sockaddr *)ss, sizeof(*ss), host,
	    sizeof(host), serv, sizeof(serv), NI_NUMERICHOST |
	    NI_NUMERICSERV) == 0)
		snprintf(out, outlen, "%s%.200s%s:%.16s", ss->ss_family == AF_INET6 ?
		    "[" : "", host, ss->ss_family == AF_INET6 ? "]" : "", serv);
	else
		snprintf(out, outlen, "address family %d", ss->ss_family);
}

static void
check_server(struct report *r, const struct config *c)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss), il = sizeof(int);
	const char *gw = getenv("GATEWAY_INTERFACE");
	char addr[256];
	int listening = 0;

	memset(&ss, 0, sizeof(ss));
	if (getsockname(0, (struct sockaddr *)&ss, &sl) == 0) {
		describe_socket(&ss, addr, sizeof(addr));
		if (getsockopt(0, SOL_SOCKET, SO_ACCEPTCONN, &listening,
		    &il) == 0 && listening)
			report_add(r, CHECK_OK, "server", NULL, "fd 0 is a "
			    "listening socket (%s): FastCGI", addr);
		else
			report_add(r, CHECK_WARN, "server", "give kredir the "
			    "listening socket on fd 0 (spawn-fcgi, systemd "
			    "StandardInput=socket) or set [server] listen",
			    "fd 0 is a socket (%s) but not a listening one",
			    addr);
	} else if (gw != NULL)
		report_add(r, CHECK_OK, "server", NULL, "CGI environment "
		    "(GATEWAY_INTERFACE=%s)", gw);
	else if (getenv("LISTEN_FDS") != NULL)
		report_add(r, CHECK_OK, "server", NULL, "systemd socket "
		    "activation (LISTEN_FDS=%s)", getenv("LISTEN_FDS"));
	else
		report_add(r, CHECK_OK, "server", NULL, "run from a shell: no "
		    "FastCGI socket on fd 0, no CGI environment");
	if (c->listen[0] != '\0')
		report_add(r, CHECK_OK, "server.listen", NULL, "kredir opens "
		    "its own socket: listen = %s (socket_mode %04o)", c->listen,
		    c->socket_mode);
}

/*
 * [access]: group rules need a PAC, which only Active Directory tickets
 * carry; an MIT realm's users would all be refused.
 */
static void
check_access(struct report *r, const struct config *c)
{
	const struct access_rules *a = &c->access;

	if (!access_is_restricted(a))
		report_add(r, CHECK_OK, "access", NULL, "no [access] rules: "
		    "every authenticated user enters");
	else if (a->nallow == 0 && a->ndeny == 0)
		report_add(r, CHECK_OK, "access", NULL, "%zu allow_users "
		    "pattern(s)", a->nusers);
	else
		report_add(r, CHECK_WARN, "access", "for users of an MIT realm "
		    "use allow_users; nothing to do if every user comes from "
		    "Active Directory", "%zu allow_users, %zu allow_groups, "
		    "%zu deny_groups: group rules need the ticket's PAC "
		    "(Active Directory); a ticket without one (MIT realm) is "
		    "refused", a->nusers, a->nallow, a->ndeny);
}

/* ---------------------------------------------------------------- run */

/* Constrained delegation as configured, and its risk when opted into. */
static void
check_constrained(struct report *r, const struct config *c)
{
	char list[KREDIR_MAX_TARGETS * KREDIR_PRINCIPAL_MAX];

	if (c->account[0] == '\0')
		return;
	list[0] = '\0';
	for (size_t i = 0; i < c->ntargets; i++)
		check_append(list, sizeof(list), "%s%s", i > 0 ? " " : "",
		    c->targets[i]);
	report_add(r, CHECK_OK, "delegation.constrained", NULL, "account %s "
	    "obtains tickets as the user (S4U2Proxy) for: %s", c->account,
	    list[0] != '\0' ? list : "(none listed)");
	if (c->constrained_cache == CONF_CCACHE_IMPERSONATOR)
		report_add(r, CHECK_WARN, "delegation.constrained_cache",
		    "use constrained_cache = targets with delegate_to unless "
		    "applications must reach services not known in advance; "
		    "keep cache_dir readable by kredir and the application only",
		    "impersonator: every session cache holds the node's own TGT "
		    "and the user's evidence ticket: whoever reads one can act "
		    "as the node, and as the user toward every service the "
		    "account may delegate to");
}

int
check_run(const struct config *conf, const char *config_path, bool json,
    const char *delegate_to, const char *as_user, FILE *out)
{
	struct report r = { out, json, { 0, 0, 0 }, false, NULL };
	struct preflight_keytab *kt = calloc(1, sizeof(*kt));
	struct preflight_who w;

	if (kt == NULL || (r.pf = calloc(1, sizeof(*r.pf))) == NULL) {
		fprintf(stderr, "kredir check: out of memory\n");
		free(kt);
		return 1;
	}
	r.constrained = conf->account[0] != '\0';
	check_config(&r, conf, config_path);
	check_constrained(&r, conf);
	check_user(&r, conf, &w);
	check_name(&r, conf);
	check_kerberos(&r, conf, &w, kt);
	preflight_rcache_dir(r.pf, &w);
	report_findings(&r);
	check_cache_dir(&r, conf, &w);
	preflight_secrets(r.pf, conf, &w, NULL);
	report_findings(&r);
	check_server(&r, conf);
	check_farm(&r, conf);
	check_access(&r, conf);
	check_tls(&r, conf, &w);
	check_log(&r, conf, _PATH_LOG);
	if (delegate_to != NULL)
		check_delegate_to(&r, conf, delegate_to, as_user);
	report_end(&r);
	fflush(out);
	free(kt);
	free(r.pf);
	return (int)r.count[CHECK_FAIL];
}

int
check_config_error(const char *config_path, int nerrors, bool json,
    FILE *out)
{
	struct report r = { out, json, { 0, 0, 0 }, false, NULL };
	char fix[KREDIR_PATHBUF + 64];

	report_add(&r, CHECK_FAIL, "config", fmtf(fix, sizeof(fix),
	    "correct the file (kredir -n -c %s says when it is right)",
	    config_path),
	    "%s: %d error%s (on stderr); nothing else was checked",
	    config_path, nerrors, nerrors == 1 ? "" : "s");
	report_end(&r);
	fflush(out);
	return 1;
}
