#!/usr/bin/env bash
# Starts Docker's daemon (Debian's docker.io package) in the background for the container tests, as
# root, unless one answers already: CI machines have no systemd to start it. dockerd starts its own
# containerd; its log goes to /var/log/parsl-cwl-dockerd/dockerd.log. Waits until `docker info`
# answers. Running it again is harmless. Stop with test/containers/stop-dockerd.sh.
set -euo pipefail

RUN_DIR=/run/parsl-cwl-dockerd
LOG_DIR=/var/log/parsl-cwl-dockerd
WAIT_SEC=${DOCKERD_START_WAIT_SEC:-60}

log() { printf 'start-dockerd: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

if docker info >/dev/null 2>&1; then log "dockerd answers already"; exit 0; fi
[ "$(id -u)" -eq 0 ] || die "run as root (it starts a system daemon)"
command -v dockerd >/dev/null 2>&1 || die "dockerd is not installed (apt-get install docker.io)"
mkdir -p "$RUN_DIR" "$LOG_DIR"
log "starting dockerd (log: $LOG_DIR/dockerd.log)"
setsid dockerd --pidfile "$RUN_DIR/dockerd.pid" >>"$LOG_DIR/dockerd.log" 2>&1 </dev/null &
for _ in $(seq 1 $((WAIT_SEC * 4))); do
  docker info >/dev/null 2>&1 && { log "dockerd answers"; exit 0; }
  kill -0 $! 2>/dev/null || break
  sleep 0.25
done
tail -n 5 "$LOG_DIR/dockerd.log" >&2 || true
die "dockerd did not answer within ${WAIT_SEC} s (its log is above)"
