#!/usr/bin/env bash
# Run a command on this machine, once or as a job array, one log per job: our local launcher with the
# arguments of Kaldi's run.pl, so cmd.sh can swap in a cluster launcher without touching run.sh.
set -euo pipefail

prog=${0##*/}
. "$(dirname -- "${BASH_SOURCE[0]}")/launcher_lib.sh"
usage="Usage: $prog [options] [JOB=1:N] LOG_PATH COMMAND [ARGS...]
Runs COMMAND once, or once per index of JOB=A:B (or JOB=K; any name works in place of JOB), replacing
every occurrence of that name in LOG_PATH, COMMAND and ARGS by the index; at most --max-jobs-run jobs
run at once. COMMAND is shell text (a pipeline or redirection must be one quoted COMMAND string); each
ARG reaches the command as one word, spaces included. Relative paths are relative to the current dir.
Writes LOG_PATH per job: the command line, start time, the job's stdout+stderr as it runs, elapsed
seconds, exit code and end time. Exits 0 if every job succeeded, else 1 after naming each failed job,
its log and the log's last 10 lines.
e.g.: utils/run_local.sh JOB=1:2 /tmp/run_local_demo/echo.JOB.log echo this is job JOB
Options:
  --max-jobs-run N   jobs at once (default: number of CPUs, from nproc)
  --gpus N (or --gpu N), --mem X, --time X, --num-threads N
                     resource requests for cluster launchers: accepted and ignored here"

if ((BASH_VERSINFO[0] < 4 || (BASH_VERSINFO[0] == 4 && BASH_VERSINFO[1] < 3))); then
  printf '%s: needs bash >= 4.3 (for wait -n), this is %s\n' "$prog" "$BASH_VERSION" >&2
  exit 1
fi

max_jobs_run=
while (($# > 0)); do
  case $1 in
    --help | -h) printf '%s\n' "$usage"; exit 0 ;;
    --max-jobs-run | --gpus | --gpu | --mem | --time | --num-threads)
      if (($# < 2)); then
        die_usage "option '$1' needs a value"
      fi
      if [[ $1 == --max-jobs-run ]]; then
        max_jobs_run=$2
      fi
      shift 2 ;;
    --*) die_usage "unknown option '$1'" ;;
    *) break ;;
  esac
done

if [[ -z $max_jobs_run ]]; then
  # GNU nproc answers OMP_NUM_THREADS when it is set: count the CPUs without it
  max_jobs_run=$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
fi
if [[ ! $max_jobs_run =~ ^[1-9][0-9]*$ ]]; then
  die_usage "--max-jobs-run takes a positive integer, not '$max_jobs_run'"
fi

parse_job_spec "$@"
shift "$spec_words"

# run_job INDEX LOG LINE: one job from header to footer. Its exit code goes to a file because bash versions
# differ in whether "wait PID" still knows a status that "wait -n" already collected.
run_job() {
  local index=$1 log=$2 line=$3 rc=0 start=$SECONDS
  printf '# %s\n# Started at %s\n' "$line" "$(date)" >"$log"
  bash -c "$line" </dev/null >>"$log" 2>&1 || rc=$?
  printf '# Accounting: time=%d threads=1\n# Ended (code %d) at %s\n' "$((SECONDS - start))" "$rc" "$(date)" >>"$log"
  echo "$rc" >"$status_dir/$index"
}

status_dir=$(mktemp -d "${TMPDIR:-/tmp}/run_local.XXXXXX")
declare -A pid_of=() log_of=() line_of=()

# Background jobs of a script ignore SIGINT, so Ctrl-C would leave them running: give each job its own
# process group (set -m) and stop the groups still running when we are interrupted.
on_signal() {
  local i
  trap - INT TERM
  disown -a  # no "Terminated" notice per job; the message below says it once
  for i in "${!pid_of[@]}"; do
    if [[ ! -e $status_dir/$i ]]; then
      kill -TERM -- "-${pid_of[$i]}" 2>/dev/null || true
    fi
  done
  printf '%s: interrupted, stopped the running jobs\n' "$prog" >&2
  exit "$1"
}
trap 'rm -rf -- "$status_dir"' EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM
set -m

# Each job's log and command line, and the log directories, before the first job starts.
plan_jobs "$@"

# Jobs running side by side share the CPUs: unless the caller chose, give each an equal share of threads,
# because OpenMP/torch threads that outnumber the cores spin against each other and slow every job down.
if ((num_jobs > 1)) && [[ -z ${OMP_NUM_THREADS:-} ]]; then
  concurrent=$((num_jobs < max_jobs_run ? num_jobs : max_jobs_run))
  cpus=$(nproc 2>/dev/null || echo 1)
  export OMP_NUM_THREADS=$((cpus / concurrent > 0 ? cpus / concurrent : 1))
fi

running=0
for ((index = first; index <= last; index++)); do
  if ((running >= max_jobs_run)); then
    wait -n || true
    running=$((running - 1))
  fi
  run_job "$index" "${log_of[$index]}" "${line_of[$index]}" &
  pid_of[$index]=$!
  running=$((running + 1))
done
wait || true

job_rc() {
  cat -- "$status_dir/$1" 2>/dev/null || echo unknown
}
job_who() {
  :
}
report_jobs job_rc job_who
