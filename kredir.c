/*
 * kredir.c: main, options, start-up and the FastCGI/CGI loop.  A request's
 * parameters go to request_decide() (decide.c, with login.c's GSS and file
 * work) and its outcome to respond() (respond.c); kredir.c sends the bytes.
 * Everything a request needs was prepared at start: the configuration,
 * the acceptor credential, the session secret.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <fastcgi.h>
#include <fcgiapp.h>
#include <krb5.h>

#include "kgss.h"
#include "preflight.h"
#include "decide.h"
#include "login.h"

#define SWEEP_EVERY	5	/* seconds between two bounded sweeps */
#define SWEEP_CATCHUP	1	/* the same while there is a backlog */
#define SWEEP_BATCH	256	/* directory entries looked at per sweep */
#define SWEEP_BUSY	(SWEEP_BATCH / 8)	/* removed: still a backlog */
#define BODY_MAX	65536	/* bytes of a request body read (and dropped) */
#define BODY_SECONDS	5	/* to read it; a slower body is not waited for */

extern char **environ;

/* What a worker keeps from start to exit. */
struct server {
	struct config	 conf;
	struct auth	 auth;
	struct tlsbind	 tlsbind;	/* of [kerberos] tls_certificate */
	unsigned char	 secret[KREDIR_SECRET_MAX];	/* signs, verifies */
	size_t		 secretlen;
	unsigned char	 previous[KREDIR_SECRET_MAX];	/* only verifies */
	size_t		 previouslen;			/* 0: none */
	gid_t		 cache_gid;	/* (gid_t)-1: no cache_group */
	time_t		 next_sweep;
	bool		 swept_once;	/* a whole pass since the start */
};

struct request {
	char		**envp;
	FCGX_Stream	*out;		/* NULL: CGI, write to stdout */
};

static volatile sig_atomic_t stopping, reload;

/*
 * A bounded sweep every SWEEP_EVERY seconds, between requests.  There
 * is none before serving: the first pass after a start (a crash's
 * debris, long-dead caches) and a pass that keeps finding expired caches
 * go at one batch a second (SWEEP_CATCHUP) until they are through.
 */
static void
sweep_tick(struct server *s)
{
	time_t now = time(NULL);
	int n;

	if (now < s->next_sweep)
		return;
	if ((n = ccache_sweep(s->conf.cache_dir, now, SWEEP_BATCH,
	    s->conf.max_lifetime)) > 0)
		log_msg(KLOG_DEBUG, "sweep removed=%d", n);
	if (ccache_sweep_is_between())
		s->swept_once = true;
	s->next_sweep = now + (s->swept_once && n < SWEEP_BUSY ?
	    SWEEP_EVERY : SWEEP_CATCHUP);
	s4u_tick(now);
}

/* The request's parameters, as the web server set them. */
static void
read_request(const struct server *s, const struct request *rq,
    struct decide_request *dr)
{
	static const char *const names[] = { "HTTP_HOST", "REQUEST_URI",
	    "HTTP_AUTHORIZATION", "HTTP_COOKIE", "REMOTE_ADDR", "HTTPS",
	    "FCGI_ROLE", "KREDIR_ACTION" };
	const char *v[sizeof(names) / sizeof(names[0])], *https, *action;
	const char *role;

	memset(dr, 0, sizeof(*dr));
	/* one pass over the parameters, not a FCGX_GetParam per name */
	http_params_find(rq->envp, names, sizeof(v) / sizeof(v[0]), v);
	dr->host = v[0];
	dr->uri = v[1];
	dr->authz = v[2];
	dr->cookie = v[3];
	dr->peer = v[4];
	dr->now = time(NULL);
	https = v[5];
	dr->tls = https != NULL && strcasecmp(https, "on") == 0;
	/*
	 * Set by the web server per location, never from a client header:
	 * "headers" marks an auth_request subrequest, which can only allow
	 * (2xx) or deny (401/403).  FCGI_ROLE is the protocol's: an
	 * Authorizer stays one whatever KREDIR_ACTION says.
	 */
	role = v[6];
	action = v[7];
	dr->role = role != NULL && strcmp(role, "AUTHORIZER") == 0 ?
	    DECIDE_ROLE_AUTHORIZER : action != NULL &&
	    strcmp(action, "headers") == 0 ? DECIDE_ROLE_AUTH_REQUEST :
	    DECIDE_ROLE_RESPONDER;
	dr->headers_only = s->conf.action == CONF_SUCCESS_HEADERS;
	if (action == NULL || strcmp(action, "headers") == 0)
		return;
	if (strcmp(action, "redirect") == 0)
		dr->headers_only = false;
	else
		log_msg(KLOG_WARN, "error reason=\"KREDIR_ACTION is neither "
		    "headers nor redirect; using the configured action\"");
}

static void
send_answer(const struct request *rq, const char *p, size_t n)
{
	if (rq->out != NULL)
		FCGX_PutStr(p, (int)n, rq->out);
	else {
		fwrite(p, 1, n, stdout);
		fflush(stdout);
	}
}

/*
 * Decide (decide.c, with login.c's GSS and file work), answer, count and
 * log (respond.c), then forget the request's secrets: the login's
 * handles, a password in the environment, the new cookie.
 */
static void
handle_request(struct server *s, struct request *rq)
{
	static struct outcome o;	/* 8 KB; one request at a time */
	struct decide_keys keys = { s->secret, s->secretlen, s->previous,
	    s->previouslen };
	struct decide_request dr;
	struct decide_ops ops;
	struct login lg;
	const char *p;
	size_t n;

	read_request(s, rq, &dr);
	login_begin(&lg, &s->conf, &s->auth, &s->tlsbind, s->cache_gid, &ops);
	request_decide(&dr, &s->conf, &keys, &ops, &o);
	(void)respond(&s->conf, &o, &p, &n);
	send_answer(rq, p, n);
	login_end(&lg);
	if (dr.authz != NULL && strncasecmp(dr.authz, "Basic ", 6) == 0)
		explicit_bzero((char *)(uintptr_t)dr.authz, strlen(dr.authz));
	explicit_bzero(o.cookie, sizeof(o.cookie));
}

/*
 * Every finding that is not OK goes to the log, with its code and file,
 * as "error|warning phase=start reason=\"message -- fix: ...\"".
 */
static void
log_findings(const struct preflight *pf)
{
	char line[2 * PREFLIGHT_MSG_MAX + 16];

	for (size_t i = 0; i < pf->n; i++) {
		const struct preflight_finding *f = &pf->f[i];

		if (f->status == CHECK_OK)
			continue;
		(void)preflight_format(f, line, sizeof(line));
		log_msg(f->status == CHECK_FAIL ? KLOG_ERR : KLOG_WARN,
		    "%s phase=start reason=\"%s\" check=%s path=\"%s\"",
		    f->status == CHECK_FAIL ? "error" : "warning", line,
		    f->code, f->path);
	}
}

/* An empty set of findings (free it), or NULL, logged. */
static struct preflight *
findings_new(void)
{
	struct preflight *pf = calloc(1, sizeof(*pf));

	if (pf == NULL)
		log_msg(KLOG_ERR, "error phase=start reason=\"out of memory\"");
	return pf;
}

/* server.user (preflight.c), judged and logged before the drop.  0 or -1. */
static int
server_user(const struct config *c)
{
	struct preflight *pf = findings_new();
	struct preflight_who w;
	int rc;

	if (pf == NULL)
		return -1;
	rc = preflight_user(pf, c, &w) > 0 ? -1 : 0;
	log_findings(pf);
	free(pf);
	return rc;
}

/*
 * The listening socket onto fd 0 (unless a CGI server started us), then
 * no more root.  0 or -1.
 */
static int
open_socket(const struct config *c)
{
	char err[512];
	int rc;

	if ((rc = listen_from_systemd(err, sizeof(err))) == 0 &&
	    c->listen[0] != '\0' && getenv("GATEWAY_INTERFACE") == NULL)
		rc = listen_open(c, err, sizeof(err));
	if (rc == 0 && server_user(c) == -1)
		return -1;
	if (rc == -1 ||
	    listen_drop_privileges(c->user, err, sizeof(err)) == -1) {
		log_msg(KLOG_ERR, "error phase=start reason=\"%s\"", err);
		return -1;
	}
	return 0;
}

/*
 * secret_file, and secret_previous_file when it is set and there (absent:
 * no previous key), both with session_secret_load's rules.  All or
 * nothing: on an error s keeps the keys it had.  0, or -1 and err.
 */
static int
secrets_load(struct server *s, char *err, size_t errlen)
{
	unsigned char cur[KREDIR_SECRET_MAX], prev[KREDIR_SECRET_MAX];
	const char *pf = s->conf.secret_previous_file;
	size_t curlen = 0, prevlen = 0;
	struct stat st;
	int rc = -1;

	if (session_secret_load(s->conf.secret_file, cur, &curlen, err,
	    errlen) == -1)
		goto done;
	if (pf[0] != '\0' && (lstat(pf, &st) == 0 || errno != ENOENT) &&
	    session_secret_load(pf, prev, &prevlen, err, errlen) == -1)
		goto done;
	memcpy(s->secret, cur, curlen);
	s->secretlen = curlen;
	explicit_bzero(s->previous, sizeof(s->previous));
	memcpy(s->previous, prev, prevlen);
	s->previouslen = prevlen;
	rc = 0;
done:
	explicit_bzero(cur, sizeof(cur));
	explicit_bzero(prev, sizeof(prev));
	return rc;
}

/* SIGHUP: the secrets again, in this process.  The old ones stay on error. */
static void
secrets_reload(struct server *s)
{
	char err[1024];

	reload = 0;
	if (secrets_load(s, err, sizeof(err)) == -1) {
		log_msg(KLOG_ERR, "error phase=reload reason=\"%s; the keys in "
		    "use are kept\"", err);
		return;
	}
	log_msg(KLOG_INFO, "reload secret=yes previous=%s",
	    s->previouslen > 0 ? "yes" : "no");
}

/*
 * The start-up checks (preflight.c), as the user kredir serves as: every
 * finding that is not OK goes to the log, with its code and file; a FAIL
 * stops the start.  Sets s->cache_gid; the keytab's entries into kt, the
 * session keys into keep.  0 or -1.
 */
static int
server_preflight(struct server *s, struct preflight_keytab *kt,
    struct preflight_secrets *keep)
{
	struct preflight *pf = findings_new();
	struct preflight_who w;
	int rc;

	if (pf == NULL)
		return -1;
	preflight_who_self(&w);
	preflight_start(pf, &s->conf, &w, kt, &s->tlsbind, &s->cache_gid,
	    keep);
	log_findings(pf);
	rc = pf->count[CHECK_FAIL] > 0 ? -1 : 0;
	free(pf);
	return rc;
}

/*
 * The session keys preflight loaded (it read them as secrets_load does),
 * else secrets_load.  0, or -1 and err.
 */
static int
secrets_take(struct server *s, const struct preflight_secrets *keep,
    char *err, size_t errlen)
{
	if (!keep->loaded)
		return secrets_load(s, err, errlen);
	memcpy(s->secret, keep->cur, keep->curlen);
	s->secretlen = keep->curlen;
	explicit_bzero(s->previous, sizeof(s->previous));
	memcpy(s->previous, keep->prev, keep->prevlen);
	s->previouslen = keep->prevlen;
	return 0;
}

/*
 * Everything a worker needs before its first request; the keytab and the
 * secrets are read once, by the checks (workers started later read them
 * again: run_worker).  0 or -1.
 */
static int
server_start(struct server *s)
{
	struct preflight_keytab *kt = calloc(1, sizeof(*kt));
	struct preflight_secrets *keep = calloc(1, sizeof(*keep));
	char err[1024];
	int rc = -1;

	/* made before the workers fork; NULL: slower, not broken */
	(void)kctx_get();
	if (kt == NULL || keep == NULL) {
		log_msg(KLOG_ERR, "error phase=start reason=\"out of memory\"");
		goto done;
	}
	if (server_preflight(s, kt, keep) == -1)
		goto done;
	if (secrets_take(s, keep, err, sizeof(err)) == -1 ||
	    auth_init_seen(&s->auth, &s->conf, kt, err, sizeof(err)) == -1) {
		log_msg(KLOG_ERR, "error phase=start reason=\"%s\"", err);
		goto done;
	}
	if (s->conf.channel_binding != CONF_CB_OFF && !FCGX_IsCGI()) {
		(void)tlsbind_describe(&s->tlsbind, err, sizeof(err));
		log_msg(KLOG_INFO, "start channel_binding=%s binding=\"%s\"",
		    s->conf.channel_binding == CONF_CB_REQUIRE ? "require" :
		    "allow",
		    err);
	}
	rc = 0;
done:
	if (keep != NULL)
		explicit_bzero(keep, sizeof(*keep));
	free(keep);
	free(kt);
	return rc;
}

static void
server_stop(struct server *s)
{
	auth_free(&s->auth);
	ccache_sweep_end();
	kctx_free();
	explicit_bzero(s->secret, sizeof(s->secret));
	explicit_bzero(s->previous, sizeof(s->previous));
	respond_free();
}

static int
run_cgi(struct server *s, bool ready)
{
	struct request rq;
	const char *p;
	size_t n;

	memset(&rq, 0, sizeof(rq));
	rq.envp = environ;
	if (!ready) {
		(void)respond_error("kredir is not configured correctly; see "
		    "the server log.", &p, &n);
		send_answer(&rq, p, n);
		return 1;
	}
	handle_request(s, &rq);
	/*
	 * A CGI process lives for one request: it sweeps once the answer is
	 * out (stdout closed: the web server has all of it and does not
	 * wait for the sweep), one in 64 the whole directory.
	 */
	if (fclose(stdout) != 0)
		return 0;
	if ((getpid() & 63) == 0)
		ccache_sweep(s->conf.cache_dir, time(NULL), 0,
		    s->conf.max_lifetime);
	else
		sweep_tick(s);
	return 0;
}

static void
on_signal(int sig)
{
	(void)sig;
	stopping = 1;
	FCGX_ShutdownPending();
}

static void
on_hup(int sig)
{
	(void)sig;
	reload = 1;
}

/* TERM and INT stop after the request in hand; HUP re-reads the secrets. */
static void
worker_signals(void)
{
	struct sigaction sa;
	sigset_t hup;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: accept returns */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* supervise() starts a worker with SIGHUP blocked: now it may come */
	sigemptyset(&hup);
	sigaddset(&hup, SIGHUP);
	sigprocmask(SIG_UNBLOCK, &hup, NULL);
}

static int
run_fastcgi(struct server *s);

/* A worker under the master: its own acceptor credential, then serve. */
static int
run_worker(void *arg)
{
	struct server *s = arg;
	char err[1024];

	/* The master's keys may predate a SIGHUP: a new worker reads them. */
	worker_signals();
	if (secrets_load(s, err, sizeof(err)) == -1)
		log_msg(KLOG_ERR, "error phase=start reason=\"%s; the keys "
		    "read at start are used\"", err);
	auth_free(&s->auth);
	if (auth_init(&s->auth, &s->conf, err, sizeof(err)) == -1) {
		log_msg(KLOG_ERR, "error phase=start reason=\"%s\"", err);
		return 1;
	}
	return run_fastcgi(s);
}

/*
 * Reads and drops what is left of a responder's request body, at most
 * BODY_MAX bytes within BODY_SECONDS (each read(2) waits at most a
 * second: SO_RCVTIMEO).  True when the body ended in time.
 */
static bool
drain_body(FCGX_Request *fr)
{
	struct timeval tv = { 1, 0 };
	time_t deadline = time(NULL) + BODY_SECONDS;
	size_t total = 0;
	int c;

	/* FCGX_GetStr would wait for a whole buffer: a byte at a time. */
	(void)setsockopt(fr->ipcFd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while ((c = FCGX_GetChar(fr->in)) != EOF)
		if (++total > BODY_MAX || time(NULL) >= deadline)
			break;
	if (fr->keepConnection) {	/* it waits as before; else closed */
		tv.tv_sec = 0;
		(void)setsockopt(fr->ipcFd, SOL_SOCKET, SO_RCVTIMEO, &tv,
		    sizeof(tv));
	}
	return c == EOF && FCGX_GetError(fr->in) == 0;
}

/*
 * libfcgi's FCGX_Finish_r closes with shutdown(2) and then waits for the
 * web server to close its end (each byte it sends restarts a 2-second
 * wait): a round trip of sleep per request, and forever for a body that
 * trickles.  For a responder, read what is left of the body within the
 * bounds (so close(2) sends no reset), detach, and the close is
 * immediate.  A body that is too large or too slow is not waited for:
 * the connection is dropped (a reset), and the worker is free.
 */
static void
finish_request(FCGX_Request *fr)
{
	/* An Authorizer gets no stdin at all: reading would wait forever. */
	if (fr->role == FCGI_RESPONDER) {
		if (!drain_body(fr)) {
			log_msg(KLOG_WARN, "dropped reason=\"request body over "
			    "%d bytes or %d seconds\"", BODY_MAX,
			    BODY_SECONDS);
			fr->keepConnection = 0;
		}
		FCGX_Detach(fr);
	}
	FCGX_Finish_r(fr);
}

static int
run_fastcgi(struct server *s)
{
	FCGX_Request fr;
	struct request rq;

	worker_signals();
	if (FCGX_Init() != 0 || FCGX_InitRequest(&fr, 0, 0) != 0) {
		log_msg(KLOG_ERR, "error reason=\"FCGX_Init failed\"");
		return 1;
	}
	log_msg(KLOG_INFO, "start mode=fastcgi fqdn=%s", s->conf.fqdn);
	while (!stopping && FCGX_Accept_r(&fr) == 0) {
		/* A blocked accept(2) is restarted: applied before the next. */
		if (reload)
			secrets_reload(s);
		memset(&rq, 0, sizeof(rq));
		rq.envp = fr.envp;
		rq.out = fr.out;
		s4u_tick_expired(time(NULL));
		handle_request(s, &rq);
		finish_request(&fr);
		sweep_tick(s);		/* the answer is out: not its latency */
	}
	FCGX_Free(&fr, 1);
	return 0;
}

/* -c, then KREDIR_CONFIG, then beside the executable, then /etc. */
static const char *
find_config(const char *opt, const char *argv0, char *buf, size_t len)
{
	char exe[PATH_MAX];
	const char *dir = argv0, *slash;
	ssize_t n;

	if (opt != NULL)
		return opt;
	if ((opt = getenv("KREDIR_CONFIG")) != NULL && *opt != '\0')
		return opt;
	if (strchr(argv0, '/') == NULL) {
		if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
			exe[n] = '\0';
			dir = exe;
		}
	}
	if ((slash = strrchr(dir, '/')) != NULL &&
	    (size_t)snprintf(buf, len, "%.*s/kredir.ini", (int)(slash - dir),
	    dir) < len && access(buf, F_OK) == 0)
		return buf;
	return "/etc/kredir/kredir.ini";
}

static void
usage(void)
{
	fprintf(stderr, "usage: kredir [-nvV] [-c kredir.ini]\n"
	    "       kredir check [-c kredir.ini] [--json] "
	    "[--delegate-to SPN [--as USER]]\n");
	exit(2);
}

/*
 * "kredir check [-c file] [--json] [--delegate-to SPN [--as USER]]":
 * diagnostics, exit 0 if no FAIL.
 */
static int
run_check(struct config *c, const char *path, int argc, char *argv[])
{
	const char *spn = NULL, *user = NULL;
	bool json = false;
	int n;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (strcmp(argv[i], "--delegate-to") == 0 && i + 1 < argc)
			spn = argv[++i];
		else if (strcmp(argv[i], "--as") == 0 && i + 1 < argc)
			user = argv[++i];
		else
			usage();
	}
	if (user != NULL && spn == NULL)
		usage();
	/* file:line messages go to stderr; the report says the rest */
	n = config_load(c, path, stderr);
	if (n > 0)
		return check_config_error(path, n, json, stdout) > 0 ? 1 : 0;
	return check_run(c, path, json, spn, user, stdout) > 0 ? 1 : 0;
}

int
main(int argc, char *argv[])
{
	static struct server s;
	char pathbuf[PATH_MAX];
	const char *path = NULL;
	bool check = false, verbose = false, ready;
	int ch, rc;

	while ((ch = getopt(argc, argv, "+c:nvV")) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'n': check = true; break;
		case 'v': verbose = true; break;
		case 'V': printf("kredir %s\n", KREDIR_VERSION); return 0;
		default: usage();
		}
	}
	path = find_config(path, argv[0], pathbuf, sizeof(pathbuf));
	if (optind < argc && strcmp(argv[optind], "check") == 0)
		return run_check(&s.conf, path, argc - optind, argv + optind);
	if (optind != argc)
		usage();
	rc = config_load(&s.conf, path, stderr);
	if (check) {
		if (rc == 0)
			printf("configuration OK\n");
		return rc == 0 ? 0 : 1;
	}
	log_init(verbose ? KLOG_DEBUG : s.conf.log_level, s.conf.log_destination,
	    "kredir");
	ready = rc == 0 && open_socket(&s.conf) == 0 && server_start(&s) == 0;
	if (FCGX_IsCGI())
		rc = run_cgi(&s, ready);
	else if (!ready)
		rc = 1;
	else if (s.conf.workers > 1) {
		if (metrics_init() == -1)
			log_msg(KLOG_WARN, "warning reason=\"no shared memory: "
			    "counters are per worker\"");
		rc = supervise(s.conf.workers, run_worker, &s);
	} else
		rc = run_fastcgi(&s);
	server_stop(&s);
	listen_close();
	return rc;
}
