#!/usr/bin/env bash
# Starts a simulated multi-node Slurm cluster on this machine for the Slurm tests (issues 7, 16), as
# root: installs Debian's slurm-wlm and munge when missing, writes /etc/slurm/slurm.conf (no
# accounting database), starts munged, `slurmctld -c` and one slurmd per simulated node
# (`slurmd -N pcwlN`, each on its own port: Debian's build has multiple-slurmd support), and waits
# until `sinfo` shows every node idle. Nodes declare more CPUs than the machine has
# (SlurmdParameters=config_overrides), so that 8+ blocks run at once and multi-node blocks exist.
# Where a build lacks multiple-slurmd support, it falls back to one node declaring all the CPUs
# (PARSL_CWL_SLURM_MODE=single forces that). Running it again is harmless.
# Stop with test/slurm/stop-local-slurm.sh.
set -euo pipefail

CONF_DIR=/etc/slurm
CONF="$CONF_DIR/slurm.conf"
MARKER='# written by parsl-cwl test/slurm/start-local-slurm.sh'
STATE_DIR=/var/spool/parsl-cwl-slurm
LOG_DIR=/var/log/parsl-cwl-slurm
RUN_DIR=/run/parsl-cwl-slurm
WAIT_SEC=${SLURM_START_WAIT_SEC:-60}
# The simulated cluster: NODES nodes of CPUS CPUs each (docs/slurm.md, "A real Slurm for tests").
NODES=${PARSL_CWL_SLURM_NODES:-8}
CPUS=${PARSL_CWL_SLURM_NODE_CPUS:-4}
MODE=${PARSL_CWL_SLURM_MODE:-multi}
BASE_PORT=17001

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
host_line=$(slurmd -C | head -n 1)              # NodeName=... CPUs=... RealMemory=...
host_name=$(sed -n 's/^NodeName=\([^ ]*\).*/\1/p' <<<"$host_line")
host_mem=$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$host_line")
[ -n "$host_name" ] && [ -n "$host_mem" ] || die "could not read the node description from 'slurmd -C': $host_line"
mkdir -p "$CONF_DIR" "$STATE_DIR/ctld" "$STATE_DIR/d" "$LOG_DIR" "$RUN_DIR"

# The node lines of each mode. multi: pcwl1..pcwlN, one slurmd each on its own port, all on this
# host, the host's memory shared between them. single: one node (this host) with every CPU.
node_names=()
node_lines() {
  if [ "$MODE" = multi ]; then
    local mem=$((host_mem / NODES)) last=$((BASE_PORT + NODES - 1))
    echo "NodeName=pcwl[1-$NODES] NodeHostname=$host_name NodeAddr=127.0.0.1 Port=$BASE_PORT-$last CPUs=$CPUS Boards=1 SocketsPerBoard=1 CoresPerSocket=$CPUS ThreadsPerCore=1 RealMemory=$mem"
  else
    local cpus=$((NODES * CPUS))
    echo "NodeName=$host_name NodeAddr=127.0.0.1 CPUs=$cpus Boards=1 SocketsPerBoard=1 CoresPerSocket=$cpus ThreadsPerCore=1 RealMemory=$host_mem"
  fi
}
set_node_names() {
  node_names=()
  if [ "$MODE" = multi ]; then for i in $(seq 1 "$NODES"); do node_names+=("pcwl$i"); done; else node_names=("$host_name"); fi
}

write_conf() {
  local new_conf
  new_conf=$(mktemp)
  cat >"$new_conf" <<CONF
$MARKER
# mode: $MODE ($NODES x $CPUS CPUs)
ClusterName=parslcwl
SlurmctldHost=${host_name}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$STATE_DIR/ctld
SlurmdSpoolDir=$STATE_DIR/d/%n
SlurmctldPidFile=$RUN_DIR/slurmctld.pid
SlurmdPidFile=$RUN_DIR/slurmd-%n.pid
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd-%n.log
# No accounting database: sacct answers "accounting storage is disabled" (the provider falls back to squeue).
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
# No cgroups in containers: track job processes through /proc, no task binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
ReturnToService=2
# The nodes declare more CPUs than the machine has: slurmd takes the declared ones.
SlurmdParameters=config_overrides
# Short grace periods keep cancel and walltime tests quick; the scheduler runs often so that
# blocks start soon after sbatch (scale-out tests, bench:elastic).
KillWait=5
OverTimeLimit=0
InactiveLimit=0
SchedulerParameters=sched_min_interval=100000
# Cores and memory are consumable; the partition lets up to 4 jobs share a core so that more
# (mostly idle) worker pools than cores fit on a 2-core test machine (scale-out tests).
# Every job gets 256 MB unless it asks for more.
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerNode=256
$(node_lines)
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
CONF
  conf_changed=0
  if ! cmp -s "$new_conf" "$CONF"; then
    install -m 0644 "$new_conf" "$CONF"
    conf_changed=1
  fi
  rm -f "$new_conf"
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
any_slurmd_alive() { for f in "$RUN_DIR"/slurmd*.pid; do pid_alive "$f" && return 0; done; return 1; }

# 4. Daemons. A changed configuration stops the ones that run (every slurmd, whatever its node).
stop_daemons() {
  for pidfile in "$RUN_DIR"/slurmd*.pid "$RUN_DIR/slurmctld.pid"; do
    if pid_alive "$pidfile"; then kill "$(cat "$pidfile")"; fi
  done
  for _ in $(seq 1 100); do pid_alive "$RUN_DIR/slurmctld.pid" || any_slurmd_alive || break; sleep 0.1; done
}
start_daemons() {
  if ! pid_alive "$RUN_DIR/slurmctld.pid"; then
    log "starting slurmctld"
    slurmctld -c
  fi
  for node in "${node_names[@]}"; do
    if ! pid_alive "$RUN_DIR/slurmd-$node.pid"; then
      if [ "$MODE" = multi ]; then slurmd -N "$node" || return 1; else slurmd || return 1; fi
    fi
  done
  log "started slurmd for ${node_names[*]}"
}

# 5. Wait for every node to be schedulable; resume nodes an earlier run left down or drained.
wait_idle() {
  local deadline=$((SECONDS + $1)) started=$SECONDS states ready
  while :; do
    pid_alive "$RUN_DIR/slurmctld.pid" || { tail -n 20 "$LOG_DIR/slurmctld.log" >&2; return 1; }
    # A daemon writes its pid file a moment after it forks: a missing one fails only after 10 s.
    if [ $((SECONDS - started)) -ge 10 ]; then
      for node in "${node_names[@]}"; do pid_alive "$RUN_DIR/slurmd-$node.pid" || { tail -n 5 "$LOG_DIR/slurmd-$node.log" >&2 || true; return 1; }; done
    fi
    states=$(sinfo --noheader --Node --format='%N %T' 2>/dev/null || true)
    ready=$(awk '$2 ~ /^(idle|mixed|allocated)$/' <<<"$states" | wc -l)
    [ "$ready" -ge "${#node_names[@]}" ] && return 0
    awk '$2 ~ /^(down|drain)/ {print $1}' <<<"$states" | while read -r n; do scontrol update NodeName="$n" State=RESUME 2>/dev/null || true; done
    [ "$SECONDS" -lt "$deadline" ] || { log "sinfo: $(tr '\n' ';' <<<"$states")"; return 1; }
    sleep 0.5
  done
}

bring_up() {
  set_node_names
  write_conf
  if [ "$conf_changed" -eq 1 ]; then stop_daemons; fi
  start_daemons && wait_idle "$1"
}

if ! bring_up "$WAIT_SEC"; then
  [ "$MODE" = multi ] || die "the nodes are not idle after ${WAIT_SEC} s; logs above"
  # A Slurm built without multiple-slurmd support runs only one slurmd per host.
  log "several slurmd on one host did not come up; falling back to one node declaring $((NODES * CPUS)) CPUs"
  MODE=single
  stop_daemons
  bring_up "$WAIT_SEC" || die "node $host_name is not idle after ${WAIT_SEC} s; logs above"
fi
if [ "$MODE" = multi ]; then shape="$CPUS CPUs each"; else shape="$((NODES * CPUS)) CPUs"; fi
log "nodes ${node_names[*]} ($MODE mode, $shape) are up; Slurm is ready"
