#!/usr/bin/env bash
# Starts a one-node Slurm cluster on this machine for the Slurm tests (issue 7), as root:
# installs Debian's slurm-wlm and munge when missing, writes /etc/slurm/slurm.conf for this host
# (its CPUs and memory from `slurmd -C`, no accounting database), starts munged, `slurmctld -c`
# and slurmd, and waits until `sinfo` shows the node idle. Running it again is harmless.
# Stop with test/slurm/stop-local-slurm.sh.
set -euo pipefail

CONF_DIR=/etc/slurm
CONF="$CONF_DIR/slurm.conf"
MARKER='# written by parsl-cwl test/slurm/start-local-slurm.sh'
STATE_DIR=/var/spool/parsl-cwl-slurm
LOG_DIR=/var/log/parsl-cwl-slurm
RUN_DIR=/run/parsl-cwl-slurm
WAIT_SEC=${SLURM_START_WAIT_SEC:-60}

log() { printf 'start-local-slurm: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (it installs packages and starts system daemons)"

# 1. Packages. One apt-get update, then only what is missing; retry while another dpkg holds the lock.
missing=()
command -v slurmctld >/dev/null 2>&1 || missing+=(slurm-wlm)
command -v munged >/dev/null 2>&1 || missing+=(munge)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; then break; fi
    [ "$attempt" -lt 10 ] || die "apt-get install ${missing[*]} failed"
    log "apt-get failed (dpkg lock held?), retrying in 10 s"
    sleep 10
  done
fi

# 2. munge: a key, its runtime folder, and the daemon (skipped when a credential round-trips already).
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  if [ ! -s /etc/munge/munge.key ]; then
    log "creating /etc/munge/munge.key"
    mkdir -p /etc/munge
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  fi
  chown munge:munge /etc/munge/munge.key && chmod 0400 /etc/munge/munge.key
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  chmod 0755 /run/munge
  log "starting munged"
  runuser -u munge -- /usr/sbin/munged
  for _ in $(seq 1 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
  munge -n | unmunge >/dev/null || die "munged does not answer"
fi

# 3. slurm.conf for this host. Never overwrite a configuration this script did not write.
if [ -f "$CONF" ] && ! grep -qF "$MARKER" "$CONF"; then
  die "$CONF exists and was not written by this script; refusing to replace a real cluster's configuration"
fi
node_line=$(slurmd -C | head -n 1)              # NodeName=... CPUs=... RealMemory=...
node_name=$(sed -n 's/^NodeName=\([^ ]*\).*/\1/p' <<<"$node_line")
[ -n "$node_name" ] || die "could not read the node description from 'slurmd -C': $node_line"
mkdir -p "$CONF_DIR" "$STATE_DIR/ctld" "$STATE_DIR/d" "$LOG_DIR" "$RUN_DIR"
new_conf=$(mktemp)
cat >"$new_conf" <<CONF
$MARKER
ClusterName=parslcwl
SlurmctldHost=${node_name}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$STATE_DIR/ctld
SlurmdSpoolDir=$STATE_DIR/d
SlurmctldPidFile=$RUN_DIR/slurmctld.pid
SlurmdPidFile=$RUN_DIR/slurmd.pid
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd.log
# No accounting database: sacct answers "accounting storage is disabled" (the provider falls back to squeue).
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
# No cgroups in containers: track job processes through /proc, no task binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
ReturnToService=2
# Short grace periods keep cancel and walltime tests quick.
KillWait=5
OverTimeLimit=0
InactiveLimit=0
# Cores and memory are consumable; the partition lets up to 4 jobs share a core so that more
# (mostly idle) worker pools than cores fit on a 2-core test machine (scale-out tests).
# Every job gets 256 MB unless it asks for more.
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerNode=256
$node_line
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
CONF
sed -i "s/^\(NodeName=[^ ]*\)/\1 NodeAddr=127.0.0.1/" "$new_conf"
conf_changed=0
if ! cmp -s "$new_conf" "$CONF"; then
  install -m 0644 "$new_conf" "$CONF"
  conf_changed=1
fi
rm -f "$new_conf"

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# 4. Daemons. A changed configuration restarts the ones that run.
if [ "$conf_changed" -eq 1 ]; then
  for pidfile in "$RUN_DIR/slurmd.pid" "$RUN_DIR/slurmctld.pid"; do
    if pid_alive "$pidfile"; then kill "$(cat "$pidfile")"; fi
  done
  for _ in $(seq 1 50); do pid_alive "$RUN_DIR/slurmctld.pid" || pid_alive "$RUN_DIR/slurmd.pid" || break; sleep 0.1; done
fi
if ! pid_alive "$RUN_DIR/slurmctld.pid"; then
  log "starting slurmctld"
  slurmctld -c
fi
if ! pid_alive "$RUN_DIR/slurmd.pid"; then
  log "starting slurmd"
  slurmd
fi

# 5. Wait for the node to be schedulable; resume it if an earlier run left it down or drained.
deadline=$((SECONDS + WAIT_SEC))
while :; do
  state=$(sinfo --noheader --node="$node_name" --format='%T' 2>/dev/null | head -n 1 || true)
  pid_alive "$RUN_DIR/slurmctld.pid" || { tail -n 20 "$LOG_DIR/slurmctld.log" >&2; die "slurmctld exited; its log is above"; }
  pid_alive "$RUN_DIR/slurmd.pid" || { tail -n 20 "$LOG_DIR/slurmd.log" >&2; die "slurmd exited; its log is above"; }
  case "$state" in
    idle|mixed|allocated) break ;;
    down*|drain*|drained*) scontrol update NodeName="$node_name" State=RESUME 2>/dev/null || true ;;
  esac
  if [ "$SECONDS" -ge "$deadline" ]; then
    tail -n 20 "$LOG_DIR/slurmctld.log" "$LOG_DIR/slurmd.log" >&2 || true
    die "node $node_name is not idle after ${WAIT_SEC} s (sinfo state: '${state:-none}'); logs above"
  fi
  sleep 0.5
done
log "node $node_name is $state; Slurm is ready"
