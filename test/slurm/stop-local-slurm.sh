#!/usr/bin/env bash
# Stops the cluster test/slurm/start-local-slurm.sh started: cancels the parsl-cwl test jobs left
# (job names start with "parsl"), then every slurmd (one per simulated node), slurmctld and munged, each by its own pid file.
set -uo pipefail
RUN_DIR=/run/parsl-cwl-slurm

if command -v squeue >/dev/null 2>&1; then
  ids=$(squeue --noheader --format='%i %j' 2>/dev/null | awk '$2 ~ /^parsl/ {print $1}')
  [ -z "$ids" ] || scancel $ids 2>/dev/null || true
fi
for pidfile in "$RUN_DIR"/slurmd*.pid "$RUN_DIR/slurmctld.pid" /run/munge/munged.pid; do
  [ -f "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || continue
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
done
echo "stop-local-slurm: stopped" >&2
