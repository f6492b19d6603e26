#!/usr/bin/env bash
# Gets the container engines ready for the container tests, as root (CI runs it; see .ci/run):
# 1. podman's /etc/containers/containers.conf: no default ulimits and the cgroupfs cgroup manager
#    (the default systemd manager fails where there is no systemd, as on CI machines); a file this
#    script did not write is left alone unless it lacks the cgroupfs line, which is then an error;
# 2. the suite's images in podman (test/containers/build-images.sh);
# 3. with --docker: Docker's daemon (test/containers/start-dockerd.sh) and the same images in it.
# Packages (podman, runc, mmdebstrap, docker.io) are installed by the caller. Running it again is
# harmless and quick.
set -euo pipefail
cd "$(dirname "$0")"

CONF=/etc/containers/containers.conf
MARKER='# written by parsl-cwl test/containers/setup-engines.sh'

log() { printf 'setup-engines: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (it writes $CONF and may start dockerd)"

if [ ! -f "$CONF" ] || grep -qF "$MARKER" "$CONF"; then
  mkdir -p "$(dirname "$CONF")"
  cat >"$CONF" <<CONFIG
$MARKER
[containers]
default_ulimits = []
[engine]
cgroup_manager = "cgroupfs"
CONFIG
elif ! grep -Eq '^[[:space:]]*cgroup_manager[[:space:]]*=[[:space:]]*"cgroupfs"' "$CONF"; then
  die "$CONF was not written by this script and does not set cgroup_manager = \"cgroupfs\"; add it (docs/containers.md)"
fi

./build-images.sh
if [ "${1:-}" = "--docker" ]; then
  ./start-dockerd.sh
  ./build-images.sh --docker
fi
