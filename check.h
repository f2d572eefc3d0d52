/*
 * check.h: what the parts of "kredir check" share: check.c (the run),
 * check_report.c (output), check_files.c (files and users), check_krb5.c
 * (keytab, KDC, S4U).  Internal: only those files and the unit tests
 * include it.
 */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>

#include "kredir.h"
#include "preflight.h"

#define CHECK_MSG_MAX	1536	/* a message before escaping */
#define CHECK_LINE_MAX	16384	/* one formatted finding */

/* Where the findings go, and how many of each status went there. */
struct report {
	FILE		*out;
	bool		 json;
	unsigned	 count[3];
	bool		 constrained;	/* [kerberos] account is set */
	struct preflight *pf;		/* preflight.c's findings, to print */
};

/* check_report.c */
/* One finding; fix is ignored for OK. */
void	 report_add(struct report *, enum check_status, const char *check,
	    const char *fix, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
/* Prints r->pf's findings (code, path and all), then empties it. */
void	 report_findings(struct report *);
/* The summary line, or the end of the JSON array. */
void	 report_end(struct report *);
/* Appends to a NUL-terminated buffer, truncating quietly. */
void	 check_append(char *buf, size_t len, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* check_files.c */
/* "user": whom kredir serves as, into w (the [server] user as root). */
void	 check_user(struct report *, const struct config *,
	    struct preflight_who *w);
void	 check_config(struct report *, const struct config *,
	    const char *path);
void	 check_tls(struct report *, const struct config *,
	    const struct preflight_who *);
/* "log": destination = syslog needs a socket at devlog (/dev/log). */
void	 check_log(struct report *, const struct config *, const char *devlog);
/* preflight.c's cache_dir checks, then its file system and contents. */
void	 check_cache_dir(struct report *, const struct config *,
	    const struct preflight_who *);

/* check_krb5.c */
/* The keytab (preflight.c's checks, keys, enctypes), then the KDC. */
void	 check_kerberos(struct report *, const struct config *,
	    const struct preflight_who *, struct preflight_keytab *kt);
/* kredir check --delegate-to SPN [--as USER]: the S4U probe. */
void	 check_delegate_to(struct report *, const struct config *,
	    const char *spn, const char *user);

#ifdef KREDIR_TEST_EXPORTS
/* For the unit tests only. */
enum check_enc		{ CHECK_ENC_STRONG, CHECK_ENC_RC4, CHECK_ENC_DES,
			  CHECK_ENC_UNKNOWN };

/* check_report.c */
/*
 * s as the inside of a JSON string (check_json_escape) or as printable
 * text (check_text_clean: control and invalid UTF-8 bytes become '?').
 * Never splits an escape or a UTF-8 sequence; always terminated;
 * returns the length written.
 */
size_t	 check_json_escape(const char *s, char *out, size_t outlen);
size_t	 check_text_clean(const char *s, char *out, size_t outlen);
/*
 * "OK   check: msg", "WARN check: msg -- fix: fix", or one JSON object
 * (with "path", the file the finding is about: "" for path NULL).
 * Returns the length, or -1 if out is too small.
 */
int	 check_format_line(enum check_status, const char *check,
	    const char *path, const char *msg, const char *fix, bool json,
	    char *out, size_t outlen);

/* check_krb5.c */
enum check_enc check_enctype_class(int32_t enctype);
/* OK if any key is AES (or Camellia); WARN if none; FAIL for no keys. */
enum check_status check_enctypes_status(const int32_t *enctypes, size_t n);
/* |seconds| of clock skew: OK to 60, WARN to 300, FAIL beyond. */
enum check_status check_skew_status(long seconds);
/* The enc-part kvno of a DER AS-REP.  0, or -1 if absent or malformed. */
int	 check_kdc_rep_kvno(const unsigned char *rep, size_t n,
	    uint32_t *kvno);
#endif /* KREDIR_TEST_EXPORTS */

#endif /* CHECK_H */
