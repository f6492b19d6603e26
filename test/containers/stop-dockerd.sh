#!/usr/bin/env bash
# Stops the dockerd that test/containers/start-dockerd.sh started (by its pid file), and waits for it.
set -euo pipefail
PID_FILE=/run/parsl-cwl-dockerd/dockerd.pid
[ -s "$PID_FILE" ] || exit 0
pid=$(cat "$PID_FILE")
kill "$pid" 2>/dev/null || exit 0
for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.25; done
echo "stop-dockerd: dockerd ($pid) did not stop within 30 s" >&2
exit 1
