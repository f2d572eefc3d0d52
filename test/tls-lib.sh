# kredir test library: a throwaway certificate authority made with
# openssl for the TLS tests.  Source test/lib.sh first, then this file.
#
#   kt_ca_init                  $KT_DIR/ca: key, self-signed CA ($KT_CA)
#   kt_ca_cert NAME KIND DNS... $KT_DIR/ca/NAME.{key,pem}: a server
#                               certificate for the DNS names, signed by
#                               the CA; KIND is rsa (SHA-256) or p384
#                               (ECDSA, SHA-384)
#   kt_cert_hash PEM HASH       hex of the DER certificate's HASH
#                               (openssl dgst), what RFC 5929 binds to
#
# The keys never leave the test's temp dir; nothing is installed in the
# system's trust store (curl gets --cacert, Chromium its own NSS db).

kt_ca_init() {
	local d=$KT_DIR/ca
	command -v openssl >/dev/null || kt_die "openssl is missing (test/deps.sh)"
	mkdir -p "$d"
	chmod 0755 "$d"
	KT_CA=$d/ca.pem
	openssl req -x509 -new -nodes -newkey rsa:2048 -sha256 -days 2 \
	    -subj "/CN=kredir test CA $RANDOM" -keyout "$d/ca.key" \
	    -out "$KT_CA" -addext basicConstraints=critical,CA:TRUE \
	    -addext keyUsage=critical,keyCertSign,cRLSign \
	    >"$d/openssl.log" 2>&1 ||
	    { cat "$d/openssl.log" >&2; kt_die "openssl: the test CA"; }
	chmod 0600 "$d/ca.key"
}

kt_ca_cert() {
	local name=$1 kind=$2 d=$KT_DIR/ca san= dns key md
	shift 2
	for dns in "$@"; do
		san+=${san:+,}DNS:$dns
	done
	case $kind in
	rsa) key=(-newkey rsa:2048) md=-sha256 ;;
	p384) key=(-newkey ec -pkeyopt ec_paramgen_curve:P-384) md=-sha384 ;;
	*) kt_die "kt_ca_cert: kind $kind" ;;
	esac
	openssl req -new -nodes "${key[@]}" -subj "/CN=$1" \
	    -keyout "$d/$name.key" -out "$d/$name.csr" >>"$d/openssl.log" 2>&1 &&
	    openssl x509 -req -in "$d/$name.csr" -CA "$KT_CA" \
	    -CAkey "$d/ca.key" -CAcreateserial "$md" -days 2 \
	    -extfile <(printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' "$san") \
	    -out "$d/$name.pem" >>"$d/openssl.log" 2>&1 ||
	    { tail -n 20 "$d/openssl.log" >&2; kt_die "openssl: certificate $name"; }
	chmod 0600 "$d/$name.key"
	chmod 0644 "$d/$name.pem"
}

kt_cert_hash() {
	openssl x509 -in "$1" -outform DER | openssl dgst "-$2" -r | cut -d' ' -f1
}
