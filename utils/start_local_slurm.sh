#!/usr/bin/env bash
# Start a private single-node Slurm on this machine (munged, slurmctld, slurmd on localhost) to try the
# Slurm launcher: its config, state, logs and pid files all live in one directory.
set -euo pipefail

dir=/tmp/vadkit-slurm   # state dir: slurm.conf, munge key and socket, spool, logs, pid files
port=6817               # slurmctld's port; slurmd uses port+1
install=false           # true: apt-get install slurm-wlm and munge if missing (needs root and apt)

help_message="Usage: utils/start_local_slurm.sh [options]
Starts munged, slurmctld and slurmd (Debian's slurm-wlm + munge) as a one-node cluster of \$(nproc) CPUs on
localhost, all state in --dir, and waits until the node takes jobs. Must run as root (slurmd starts jobs
as their users). Then, in your shell:  export SLURM_CONF=<dir>/slurm.conf  and use utils/slurm.sh
(e.g. in cmd.sh). Stop it with: utils/stop_local_slurm.sh <dir>  (stops exactly the daemons started here,
by the process ids in <dir>/pids).
e.g.: utils/start_local_slurm.sh --install true && export SLURM_CONF=/tmp/vadkit-slurm/slurm.conf
Options:
  --dir DIR        state directory (default $dir)
  --port N         slurmctld port, slurmd uses N+1 (default $port)
  --install B      true: apt-get install slurm-wlm munge when missing (default $install)"

. "$(dirname "${BASH_SOURCE[0]}")/parse_options.sh"
if [ $# -ne 0 ]; then
  echo "start_local_slurm.sh: unexpected argument '$1'" >&2
  echo "$help_message" >&2
  exit 1
fi
die() {
  echo "start_local_slurm.sh: $*" >&2
  exit 1
}

if [ "$(id -u)" -ne 0 ]; then
  die "must run as root (slurmd runs jobs as their owners); on a laptop use utils/run_local.sh instead"
fi
missing=
for b in munged slurmctld slurmd sbatch; do
  command -v "$b" >/dev/null || missing="$missing $b"
done
if [ -n "$missing" ]; then
  if [ "$install" != true ]; then
    die "not installed:$missing; run with --install true (apt-get install slurm-wlm munge)"
  fi
  command -v apt-get >/dev/null || die "not installed:$missing, and apt-get is missing: install Slurm and munge"
  echo "start_local_slurm.sh: installing slurm-wlm and munge with apt-get (about a minute)" >&2
  # The package scripts must not start the system-wide daemons (we start our own below): a policy-rc.d that
  # says no, for the time of the install, unless the system has one already (containers usually do).
  export DEBIAN_FRONTEND=noninteractive
  policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
  if [ -n "$policy" ]; then
    rm -f "$policy"
  fi
fi

if [ -s "$dir/pids" ]; then
  while read -r name pid; do
    if kill -0 "$pid" 2>/dev/null; then
      die "$name (pid $pid) from $dir is still running: stop it first with utils/stop_local_slurm.sh $dir"
    fi
  done <"$dir/pids"
fi
for p in "$port" "$((port + 1))"; do
  if (: <"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    die "port $p is in use (another Slurm?): choose others with --port"
  fi
done

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
rm -rf "$dir/state" "$dir/spool" "$dir/munge" "$dir/log" "$dir/pids"
mkdir -p "$dir/state" "$dir/spool" "$dir/munge" "$dir/log"
chmod 700 "$dir/munge"
host=$(hostname -s)
cpus=$(OMP_NUM_THREADS= OMP_THREAD_LIMIT= nproc)  # plain nproc follows OMP_NUM_THREADS
mem_mb=$(($(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 1024 * 9 / 10))

cat >"$dir/slurm.conf" <<EOF
# A one-node Slurm for trying the recipe's launcher (written by utils/start_local_slurm.sh)
ClusterName=vadkit
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
# cred_expire: a requeued job may start again after this many seconds (default 120)
AuthInfo=socket=$dir/munge/munge.socket,cred_expire=10
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
MinJobAge=300
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF

# munged wants a private key file and refuses group/world-writable paths; --force lets it run as root.
dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$dir/munge/munge.key"
munged --force --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
  --pid-file="$dir/munge/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munged.seed"
echo "munged $(cat "$dir/munge/munged.pid")" >>"$dir/pids"
slurmctld -f "$dir/slurm.conf" -i
slurmd -f "$dir/slurm.conf" -N "$host"
for f in slurmctld slurmd; do
  for _ in $(seq 50); do
    if [ -s "$dir/$f.pid" ]; then break; fi
    sleep 0.1
  done
  [ -s "$dir/$f.pid" ] || die "$f did not start: see $dir/log/$f.log"
  echo "$f $(cat "$dir/$f.pid")" >>"$dir/pids"
done

export SLURM_CONF=$dir/slurm.conf
for _ in $(seq 60); do
  state=$(sinfo -h -n "$host" -o %t 2>/dev/null || true)
  case $state in
    idle | mix | alloc) break ;;
  esac
  sleep 0.5
done
case $state in
  idle | mix | alloc) ;;
  *) die "node $host is '${state:-unreachable}', not idle: see $dir/log/slurmctld.log and slurmd.log" ;;
esac
echo "start_local_slurm.sh: Slurm is up ($cpus CPUs on $host); now: export SLURM_CONF=$dir/slurm.conf" >&2
