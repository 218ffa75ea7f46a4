#!/usr/bin/env bash
# Makes a private CA for one deployment and signs the server certificates of OpenHIM core and Fineract with it, so
# the mediators verify both (TLS verification stays on). See docs/deploy.md, "TLS and CA files".
#
#   FINERACT_KEYSTORE_PASSWORD=... docker/certs/make-certs.sh [extra DNS names for OpenHIM core...]
#
# Writes into this folder: ca.pem (trusted by the mediators), ca-key.pem (keep offline once done),
# openhim-core.pem + openhim-core-key.pem (core's API and HTTPS router), fineract.p12 (Fineract's keystore) and
# truststore.p12 (the CA for Fineract's outgoing web hooks, password = FINERACT_KEYSTORE_PASSWORD).
# Existing files are never overwritten: delete them first to renew.
set -euo pipefail
cd "$(dirname "$0")"
: "${FINERACT_KEYSTORE_PASSWORD:?set FINERACT_KEYSTORE_PASSWORD (the same value as in docker/.env)}"
days="${CERT_DAYS:-825}"

for f in ca.pem ca-key.pem openhim-core.pem openhim-core-key.pem fineract.p12 truststore.p12; do
  if [ -e "$f" ]; then
    echo "docker/certs/$f exists; delete the old files first to make new ones" >&2
    exit 1
  fi
done

umask 077
openssl req -x509 -newkey rsa:3072 -sha256 -days "$days" -nodes \
  -keyout ca-key.pem -out ca.pem -subj "/CN=openIMIS payment layer CA ($(hostname))" \
  -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign"

# sign NAME DNS... : a server certificate for the compose service NAME, valid for the given DNS names.
sign() {
  local name="$1"
  shift
  local san="DNS:localhost"
  for dns in "$@"; do san="$san,DNS:$dns"; done
  openssl req -new -newkey rsa:2048 -sha256 -nodes -keyout "$name-key.pem" -out "$name.csr" -subj "/CN=$1"
  openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca-key.pem -CAcreateserial -sha256 -days "$days" \
    -out "$name.pem" -extfile <(printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n' "$san")
  rm -f "$name.csr"
}

sign openhim-core openhim-core "$@"
sign fineract fineract
openssl pkcs12 -export -name fineract -inkey fineract-key.pem -in fineract.pem -certfile ca.pem \
  -out fineract.p12 -passout env:FINERACT_KEYSTORE_PASSWORD
rm -f fineract-key.pem fineract.pem ca.srl

if command -v keytool >/dev/null; then
  keytool -importcert -noprompt -alias payment-layer-ca -file ca.pem -keystore truststore.p12 \
    -storetype PKCS12 -storepass:env FINERACT_KEYSTORE_PASSWORD >/dev/null
else
  echo "keytool (any Java runtime) is needed for truststore.p12; see docs/deploy.md" >&2
fi

# The containers read these files as their own users: certificates and keys are readable, the CA key is not.
chmod 0644 ca.pem openhim-core.pem openhim-core-key.pem fineract.p12
[ -e truststore.p12 ] && chmod 0644 truststore.p12
chmod 0600 ca-key.pem
echo "made in docker/certs: $(ls ca.pem openhim-core.pem openhim-core-key.pem fineract.p12 truststore.p12 2>/dev/null | tr '\n' ' ')"
echo "move ca-key.pem somewhere offline: it signs certificates every mediator trusts"
