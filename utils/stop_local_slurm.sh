#!/usr/bin/env bash
# Stop the daemons utils/start_local_slurm.sh started, by the process ids it recorded in <dir>/pids.
set -euo pipefail

help_message="Usage: utils/stop_local_slurm.sh [<dir>]
Stops slurmd, slurmctld and munged started by utils/start_local_slurm.sh --dir <dir> (TERM, then KILL after
10 s), by the process ids in <dir>/pids only; other Slurm or munge daemons are left alone.
e.g.: utils/stop_local_slurm.sh /tmp/vadkit-slurm"

. "$(dirname "${BASH_SOURCE[0]}")/parse_options.sh"
if [ $# -gt 1 ]; then
  echo "$help_message" >&2
  exit 1
fi
dir=${1:-/tmp/vadkit-slurm}
if [ ! -f "$dir/pids" ]; then
  echo "stop_local_slurm.sh: $dir/pids not found: nothing started there" >&2
  exit 1
fi

# A recorded pid is ours only while its command is still the daemon we started (pids get reused).
ours() { [ "$(cat "/proc/$2/comm" 2>/dev/null)" = "$1" ]; }
# Jobs still running on this private cluster would outlive slurmd: cancel them first.
if [ -f "$dir/slurm.conf" ] && command -v scancel >/dev/null; then
  jobs=$(SLURM_CONF=$dir/slurm.conf timeout 10 squeue -h -o %A 2>/dev/null || true)
  if [ -n "$jobs" ]; then
    SLURM_CONF=$dir/slurm.conf timeout 10 scancel $jobs 2>/dev/null || true
    sleep 2
  fi
fi
# Stop in reverse start order: slurmd, slurmctld, then munged they authenticate with.
tac "$dir/pids" | while read -r name pid; do
  if ours "$name" "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do
      ours "$name" "$pid" || break
      sleep 0.1
    done
    if ours "$name" "$pid"; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
done
rm -f "$dir/pids"
echo "stop_local_slurm.sh: stopped the Slurm daemons of $dir" >&2
