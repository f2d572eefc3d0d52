/*
 * tlsbind.c: TLS channel bindings of type tls-server-end-point (RFC 5929
 * section 4), what IIS calls Extended Protection.  The binding is a hash
 * of the server's own certificate, so it is computed once at start from
 * the certificate the web server presents ([kerberos] tls_certificate);
 * a client that saw another certificate (a man in the middle, a balancer
 * terminating TLS) computes another hash and its token is refused.
 * libcrypto reads the certificate and hashes it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#define KREDIR_TEST_EXPORTS	/* it defines test-only functions (kredir.h) */
#include "kredir.h"

/*
 * RFC 5929 section 4.1: the hash of the certificate's signature
 * algorithm, except that MD5 and SHA-1 become SHA-256; NID_undef for an
 * algorithm with no single hash (Ed25519, Ed448), whose binding is
 * undefined.
 */
int
tlsbind_digest_nid(int md_nid)
{
	if (md_nid == NID_md5 || md_nid == NID_sha1)
		return NID_sha256;
	if (md_nid == NID_undef || EVP_get_digestbynid(md_nid) == NULL)
		return NID_undef;
	return md_nid;
}

/* The hash named by the signature algorithm (RSA-PSS included). */
static int
signature_md_nid(const X509 *x)
{
	int md = NID_undef, pk = NID_undef;

	if (X509_get_signature_nid(x) == NID_rsassaPss) {
		/* the hash lives in the algorithm's parameters */
		if (X509_get_signature_info((X509 *)(uintptr_t)x, &md, &pk,
		    NULL, NULL) != 1)
			return NID_undef;
		return md;
	}
	if (OBJ_find_sigid_algs(X509_get_signature_nid(x), &md, &pk) != 1)
		return NID_undef;
	return md;
}

/* The first certificate of a PEM file.  NULL and err on failure. */
static X509 *
read_certificate(const char *path, char *err, size_t errlen)
{
	unsigned long e;
	X509 *x;
	FILE *fp;

	if ((fp = fopen(path, "re")) == NULL) {
		snprintf(err, errlen, "tls_certificate %s: %s", path,
		    strerror(errno));
		return NULL;
	}
	ERR_clear_error();
	x = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	if (x == NULL) {
		e = ERR_peek_last_error();
		snprintf(err, errlen, "tls_certificate %s: no PEM certificate "
		    "(%s)", path, e != 0 ? ERR_reason_error_string(e) : "empty");
		ERR_clear_error();
	}
	return x;
}

int
tlsbind_load(struct tlsbind *b, const char *path, char *err, size_t errlen)
{
	const size_t plen = sizeof(TLSBIND_PREFIX) - 1;
	const EVP_MD *md;
	unsigned int n = 0;
	int sig, nid, rc = -1;
	X509 *x;

	memset(b, 0, sizeof(*b));
	if ((x = read_certificate(path, err, errlen)) == NULL)
		return -1;
	sig = X509_get_signature_nid(x);
	if ((nid = tlsbind_digest_nid(signature_md_nid(x))) == NID_undef ||
	    (md = EVP_get_digestbynid(nid)) == NULL ||
	    (size_t)EVP_MD_get_size(md) > sizeof(b->data) - plen) {
		snprintf(err, errlen, "tls_certificate %s: its signature "
		    "algorithm %s has no single hash, so tls-server-end-point "
		    "is undefined for it (RFC 5929 section 4.1): use an RSA or "
		    "ECDSA certificate, or channel_binding = off", path,
		    sig != NID_undef ? OBJ_nid2sn(sig) : "(unknown)");
		goto done;
	}
	memcpy(b->data, TLSBIND_PREFIX, plen);
	if (X509_digest(x, md, b->data + plen, &n) != 1) {
		snprintf(err, errlen, "tls_certificate %s: cannot hash it", path);
		goto done;
	}
	b->len = plen + n;
	strlcpy(b->digest, OBJ_nid2sn(nid), sizeof(b->digest));
	rc = 0;
done:
	if (rc == -1)
		memset(b, 0, sizeof(*b));
	ERR_clear_error();
	X509_free(x);
	return rc;
}

/* "SHA256 ab:cd:..." of the binding's hash, for logs and kredir check. */
size_t
tlsbind_describe(const struct tlsbind *b, char *out, size_t outlen)
{
	const size_t plen = sizeof(TLSBIND_PREFIX) - 1;
	size_t used;
	int n;

	if (outlen == 0)
		return 0;
	out[0] = '\0';
	if (b->len <= plen)
		return 0;
	n = snprintf(out, outlen, "%s ", b->digest);
	if (n < 0 || (size_t)n >= outlen)
		return 0;
	used = (size_t)n;
	for (size_t i = plen; i < b->len; i++) {
		if (used + 3 >= outlen)
			return 0;
		used += (size_t)snprintf(out + used, outlen - used, "%s%02x",
		    i > plen ? ":" : "", b->data[i]);
	}
	return used;
}
