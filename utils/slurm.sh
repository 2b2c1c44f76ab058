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
  --poll-max-s S      longest pause between two squeue polls, seconds (default 10)"

# How each option becomes sbatch options (parse_launcher_options in launcher_lib.sh)
declare -A option_words=([--gpus]="--gres=gpu:VALUE" [--mem]="--mem=VALUE" [--time]="--time=VALUE"
  [--num-threads]="--cpus-per-task=VALUE" [--partition]="--partition=VALUE" [--requeue=true]="--requeue"
  [--requeue=false]="--no-requeue" [--sbatch-opt]="VALUE")
parse_launcher_options "$@"
shift "$num_option_words"

declare -A log_of=() line_of=()
plan_queued_jobs conf/slurm.conf sbatch '--partition=gpu' "sbatch squeue scancel" "$@"
array_id='${SLURM_ARRAY_JOB_ID:-${SLURM_JOB_ID:-?}}${SLURM_ARRAY_TASK_ID:+_$SLURM_ARRAY_TASK_ID}'  # as the job sees it
write_job_script 'index=${SLURM_ARRAY_TASK_ID:-'"$first"'}' "slurm job $array_id, restart \${SLURM_RESTART_COUNT:-0}" \
  '${SLURM_CPUS_PER_TASK:-1}'

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

# Wait for every job: Slurm lists a finished (or killed) job in a final state for a while, then forgets it.
job_state() {
  local states
  if ! states=$(squeue -h -j "$job_id" -o %T 2>/dev/null); then
    echo unknown
  elif [[ -z $states ]] || ! grep -qvE \
    '^(COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|PREEMPTED|BOOT_FAIL|DEADLINE)$' <<<"$states"; then
    echo done
  else
    echo running
  fi
}
wait_for_jobs job_state
trap - INT TERM

job_who() {
  printf '; slurm job %s%s' "$job_id" "${job_name:+_$1}"
}
report_jobs queued_job_rc job_who
