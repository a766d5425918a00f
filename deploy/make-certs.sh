#!/usr/bin/env bash
# Make a private CA and one certificate per host for a gale test cluster's worker TLS (wss).
#
#   deploy/make-certs.sh <dir> <host> [<host> ...]
#
# Writes <dir>/ca.pem + ca-key.pem (the CA; keep ca-key.pem off the cluster machines) and, per host,
# <dir>/<host>.pem + <host>-key.pem: a certificate valid for that name or address (subjectAltName
# DNS or IP), for both server and client use (mutual TLS), signed by the CA, 825 days, EC P-256.
# An existing CA in <dir> is reused, so hosts can be added later. Then start each supervisor with
#   gale supervisor --host <host> ... --tls-cert <dir>/<host>.pem --tls-key <dir>/<host>-key.pem --tls-ca <dir>/ca.pem [--tls-mutual]
# Needs openssl (Debian: apt-get install -y openssl). Keys are written mode 0600.
set -euo pipefail

die() { echo "make-certs.sh: $*" >&2; exit 1; }
[ $# -ge 2 ] || { echo "usage: deploy/make-certs.sh <dir> <host> [<host> ...]" >&2; exit 2; }
command -v openssl >/dev/null || die "openssl not found; install it: apt-get install -y openssl"
dir="$1"; shift
mkdir -p "$dir" || die "cannot create $dir"
umask 077

if [ ! -f "$dir/ca.pem" ] || [ ! -f "$dir/ca-key.pem" ]; then
  openssl ecparam -name prime256v1 -genkey -noout -out "$dir/ca-key.pem" 2>/dev/null
  openssl req -x509 -new -key "$dir/ca-key.pem" -sha256 -days 3650 -subj "/CN=gale cluster CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$dir/ca.pem" 2>/dev/null || die "cannot make the CA certificate"
  echo "make-certs.sh: new CA $dir/ca.pem" >&2
fi

for host in "$@"; do
  [[ "$host" =~ ^[A-Za-z0-9.:-]+$ ]] || die "bad host '$host' (a DNS name or an IP address)"
  if [[ "$host" =~ ^[0-9.]+$ ]] || [[ "$host" == *:* ]]; then san="IP:$host"; else san="DNS:$host"; fi
  key="$dir/$host-key.pem"
  openssl ecparam -name prime256v1 -genkey -noout -out "$key" 2>/dev/null
  ext="$(mktemp)"
  printf 'subjectAltName=%s\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n' "$san" > "$ext"
  openssl req -new -key "$key" -subj "/CN=$host" 2>/dev/null \
    | openssl x509 -req -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" -CAcreateserial -days 825 -sha256 \
        -extfile "$ext" -out "$dir/$host.pem" 2>/dev/null || { rm -f "$ext"; die "cannot sign the certificate of $host"; }
  rm -f "$ext"
  echo "make-certs.sh: $dir/$host.pem ($san)" >&2
done
chmod 0644 "$dir"/*.pem 2>/dev/null || true
chmod 0600 "$dir"/*-key.pem
