#!/usr/bin/env bash
# Proves that `make test` passes on a Debian machine that has nothing but Python 3.11, make and git:
# builds a minimal Debian bookworm tree with debootstrap, clones this checkout's HEAD into it and runs
# .ci/run there with CI=true, so every package a stage needs must come from the test command itself.
# Run as root, outside CI: bash scripts/fresh_machine.sh [TREE]   (default /var/tmp/annex-fresh)
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh
TREE=${1:-/var/tmp/annex-fresh}
[ "$(id -u)" = "0" ] || { echo "fresh_machine.sh needs root (debootstrap, chroot)"; exit 1; }
ensure_stage_packages fresh || exit 1

if [ ! -x "$TREE/usr/bin/python3.11" ]; then
  rm -rf "$TREE"
  debootstrap --variant=minbase bookworm "$TREE" http://deb.debian.org/debian || exit 1
  chroot "$TREE" apt-get update -qq || exit 1
  DEBIAN_FRONTEND=noninteractive chroot "$TREE" apt-get install -y -qq --no-install-recommends \
    python3.11 python3.11-venv make git ca-certificates || exit 1
fi
for dir in proc sys dev dev/pts dev/shm; do mountpoint -q "$TREE/$dir" || mount --bind "/$dir" "$TREE/$dir"; done
unmount() { for dir in dev/shm dev/pts dev sys proc; do umount "$TREE/$dir" 2>/dev/null; done; }
trap unmount EXIT
cp /etc/resolv.conf "$TREE/etc/resolv.conf"
cp /etc/ssl/certs/ca-certificates.crt "$TREE/etc/ssl/certs/ca-certificates.crt"
# As in a container: package installs do not start services; the test command starts its own.
printf '#!/bin/sh\nexit 101\n' > "$TREE/usr/sbin/policy-rc.d"; chmod +x "$TREE/usr/sbin/policy-rc.d"
rm -rf "$TREE/root/annex"
git clone -q "$PWD" "$TREE/root/annex" || exit 1
started=$SECONDS
chroot "$TREE" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root CI=true \
  SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
  bash -c 'cd /root/annex && bash .ci/run'
rc=$?
echo "fresh machine: .ci/run exited $rc after $((SECONDS - started)) s"
exit $rc
