#!/usr/bin/env bash
# Run a command as a Slurm job or job array (sbatch), one log per job, and wait for all: our cluster launcher
# with the arguments of Kaldi's run.pl/slurm.pl, so cmd.sh can swap it for utils/run_local.sh.
set -euo pipefail

prog=${0##*/}
. "$(dirname -- "${BASH_SOURCE[0]}")/launcher_lib.sh"
usage="Usage: $prog [options] [JOB=1:N] LOG_PATH COMMAND [ARGS...]
Submits COMMAND with sbatch, once or as a job array over JOB=A:B (any name works in place of JOB; it is
replaced by the index in LOG_PATH, COMMAND and ARGS), polls until every job has finished and exits 0 if all
succeeded, else 1 after naming each failed job, its log and the log's last 10 lines. A failed job is never
retried. COMMAND is shell text; each ARG reaches it as one word. Jobs run in the current directory, with
the current environment (sbatch --export=ALL), so it must be on a file system the nodes share.
LOG_PATH is the job's Slurm output: the command line, start time, host and job id, the job's stdout+stderr
(and Slurm's own messages: time limit, out of memory, preemption), elapsed seconds, exit code, end time.
A requeued job (preemption, --requeue true) appends its next run to the same log; the launcher keeps
waiting for it. The job scripts and exit codes live in <dir of LOG_PATH>/q/.
e.g.: utils/slurm.sh --time 10 JOB=1:2 exp/slurm_demo/echo.JOB.log echo this is job JOB
Options (each adds sbatch options; sbatch options from --config come first, so these override them):
  --gpus N            GPUs per job: --gres=gpu:N (default 0: none); --gpu N is the same
  --mem X             memory per job, e.g. 8G: --mem=X
  --time T            time limit, e.g. 4:00:00: --time=T
  --num-threads N     CPUs per job: --cpus-per-task=N; the job gets OMP_NUM_THREADS=N
  --partition P       --partition=P
  --max-jobs-run N    at most N jobs of the array at once: --array=A-B%N
  --requeue B         true: --requeue (a preempted or failed node's job is resubmitted by Slurm)
  --sbatch-opt OPT    any other sbatch option, one word, e.g. --sbatch-opt --account=myproject (repeatable)
  --config FILE       sbatch options, one per line, # comments (default: conf/slurm.conf if it exists)
  --poll-max S        longest pause between two squeue polls, seconds (default 10)"

die_usage() {
  printf '%s: %s\n%s\n' "$prog" "$1" "$usage" >&2
  exit 1
}
die() {
  printf '%s: %s\n' "$prog" "$1" >&2
  exit 1
}

opts=()
config=
max_jobs_run=
num_threads=
poll_max=10
while (($# > 0)); do
  case $1 in
    --help | -h) printf '%s\n' "$usage"; exit 0 ;;
    --gpus | --gpu | --mem | --time | --num-threads | --partition | --max-jobs-run | --requeue | --sbatch-opt \
      | --config | --poll-max)
      if (($# < 2)); then
        die_usage "option '$1' needs a value"
      fi
      case $1 in
        --gpus | --gpu)
          [[ $2 =~ ^[0-9]+$ ]] || die_usage "$1 takes a number of GPUs, not '$2'"
          if (($2 > 0)); then opts+=("--gres=gpu:$2"); fi ;;
        --mem) opts+=("--mem=$2") ;;
        --time) opts+=("--time=$2") ;;
        --num-threads)
          [[ $2 =~ ^[1-9][0-9]*$ ]] || die_usage "--num-threads takes a positive integer, not '$2'"
          num_threads=$2
          opts+=("--cpus-per-task=$2") ;;
        --partition) opts+=("--partition=$2") ;;
        --max-jobs-run)
          [[ $2 =~ ^[1-9][0-9]*$ ]] || die_usage "--max-jobs-run takes a positive integer, not '$2'"
          max_jobs_run=$2 ;;
        --requeue)
          case $2 in
            true) opts+=(--requeue) ;;
            false) opts+=(--no-requeue) ;;
            *) die_usage "--requeue takes true or false, not '$2'" ;;
          esac ;;
        --sbatch-opt) opts+=("$2") ;;
        --config) config=$2 ;;
        --poll-max)
          [[ $2 =~ ^[1-9][0-9]*$ ]] || die_usage "--poll-max takes a positive integer, not '$2'"
          poll_max=$2 ;;
      esac
      shift 2 ;;
    --*) die_usage "unknown option '$1'" ;;
    *) break ;;
  esac
done

read_conf_opts "$config" conf/slurm.conf sbatch '--partition=gpu'

parse_job_spec "$@"
shift "$spec_words"
log_path=${1:-}
declare -A log_of=() line_of=()
plan_jobs "$@"
shift
require_tools "the Slurm client commands" sbatch squeue scancel

# The job script: each index's command line (run_local.sh's quoting), a header and footer around the job's
# output, and its exit code written to q/ by rename (so a job killed mid-way leaves no code at all).
plan_queue_dir "$log_path"
cat >"$script.tmp" <<EOF
#!/usr/bin/env bash
# Written by utils/slurm.sh for: ${log_path}
cd $(printf '%q' "$PWD") || exit 1
index=\${SLURM_ARRAY_TASK_ID:-$first}
case \$index in
$cases  *) echo "no command for index \$index" >&2; exit 1 ;;
esac
${num_threads:+export OMP_NUM_THREADS=$num_threads}
printf '# %s\n# Started at %s on %s (slurm job %s, restart %s)\n' "\$line" "\$(date)" "\$(hostname)" \\
  "\${SLURM_ARRAY_JOB_ID:-\${SLURM_JOB_ID:-?}}\${SLURM_ARRAY_TASK_ID:+_\$SLURM_ARRAY_TASK_ID}" "\${SLURM_RESTART_COUNT:-0}"
start=\$SECONDS
rc=0
bash -c "\$line" </dev/null || rc=\$?
printf '# Accounting: time=%d threads=%s\n# Ended (code %d) at %s\n' "\$((SECONDS - start))" \\
  "\${SLURM_CPUS_PER_TASK:-1}" "\$rc" "\$(date)"
echo "\$rc" >$(printf '%q' "$qdir/$base").\$index.rc.tmp && mv $(printf '%q' "$qdir/$base").\$index.rc.tmp $(printf '%q' "$qdir/$base").\$index.rc
exit "\$rc"
EOF
mv -- "$script.tmp" "$script"

# Slurm writes the output file itself: the log path with %a for the array index (a literal % doubled).
out=${log_path//%/%%}
array=()
if [[ -n $job_name ]]; then
  out=${out//"$job_name"/%a}
  array=("--array=$first-$last${max_jobs_run:+%$max_jobs_run}")
fi
job_id=
cancel() {
  trap - INT TERM
  if [[ -n $job_id ]]; then
    scancel "$job_id" 2>/dev/null || true
    printf '%s: interrupted, cancelled slurm job %s\n' "$prog" "$job_id" >&2
  fi
  exit "$1"
}
trap 'cancel 130' INT
trap 'cancel 143' TERM
if ! job_id=$(sbatch --parsable "${conf_opts[@]}" "${opts[@]}" "${array[@]}" --job-name="${log_path%.log}" \
  --output="$out" --open-mode=append --export=ALL "$script" 2>"$qdir/$base.sbatch.err"); then
  printf '%s: sbatch refused the job:\n' "$prog" >&2
  sed 's/^/    /' "$qdir/$base.sbatch.err" >&2
  printf '    (sbatch %s)\n' "${conf_opts[*]} ${opts[*]} ${array[*]}" >&2
  exit 1
fi
job_id=${job_id%%;*}

# Wait: done when every job has left its exit code (checked twice a second), or Slurm lists none of them as
# pending or running any more (a killed, cancelled or timed-out job leaves no code). squeue is asked every
# 0.5 s at first, 1.5 times less often each time, then every --poll-max s.
next=first
all_done() {
  while ((next <= last)) && [[ -e $qdir/$base.$next.rc ]]; do
    next=$((next + 1))
  done
  ((next > last))
}
pause=5  # tenths of a second between squeue calls
wait_ds=0
fails=0
while ! all_done; do
  sleep 0.5
  wait_ds=$((wait_ds + 5))
  if ((wait_ds < pause)); then
    continue
  fi
  wait_ds=0
  pause=$((pause * 3 / 2 < poll_max * 10 ? pause * 3 / 2 : poll_max * 10))
  if states=$(squeue -h -j "$job_id" -o %T 2>/dev/null); then
    fails=0
    if [[ -z $states ]] || ! grep -qvE '^(COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|PREEMPTED|BOOT_FAIL|DEADLINE)$' \
      <<<"$states"; then
      sleep 1  # the last code may be landing on the shared file system
      break
    fi
  else
    # squeue fails for a job id Slurm has purged (finished) and when slurmctld is briefly unreachable.
    fails=$((fails + 1))
    if ((fails >= 3)); then
      break
    fi
  fi
done
trap - INT TERM

job_rc() {
  cat -- "$qdir/$base.$1.rc" 2>/dev/null || echo none
}
job_who() {
  printf '; slurm job %s%s' "$job_id" "${job_name:+_$1}"
}
report_jobs job_rc job_who
