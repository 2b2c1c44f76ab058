#!/usr/bin/env bash
# Run a command as a Grid Engine (SGE/UGE/OGS) job or array job (qsub -t), one log per job, and wait for all:
# the same contract and reports as utils/slurm.sh (Kaldi's queue.pl arguments), so cmd.sh can swap it in.
set -euo pipefail

prog=${0##*/}
. "$(dirname -- "${BASH_SOURCE[0]}")/launcher_lib.sh"
usage="Usage: $prog [options] [JOB=1:N] LOG_PATH COMMAND [ARGS...]
Submits COMMAND with qsub, once or as an array job over JOB=A:B (any name works in place of JOB; it is
replaced by the index in LOG_PATH, COMMAND and ARGS), polls qstat until every task has finished and exits 0
if all succeeded, else 1 after naming each failed job, its log and the log's last 10 lines. A failed job is
never retried. COMMAND is shell text; each ARG reaches it as one word. Jobs run in the current directory
(qsub -cwd) with the current environment (qsub -V), so it must be on a file system the nodes share.
LOG_PATH is the job's output (qsub -o, -j y): command line, start time, host and job id, the job's output,
elapsed seconds, exit code, end time. The job scripts and exit codes live in <dir of LOG_PATH>/q/.
Resource names differ between sites: put yours in --config (e.g. '-l gpu=1' may be '-l gpus=1' there).
e.g.: utils/sge.sh JOB=1:2 exp/sge_demo/echo.JOB.log echo this is job JOB
Options (each adds qsub options; those from --config come first):
  --gpus N            GPUs per job: -l gpu=N (default 0: none); --gpu N is the same
  --mem X             memory per job, e.g. 8G: -l mem_free=X,ram_free=X
  --time T            time limit, e.g. 4:00:00: -l h_rt=T
  --num-threads N     slots per job: -pe smp N; the job gets OMP_NUM_THREADS=N
  --queue Q           -q Q
  --max-jobs-run N    at most N tasks of the array at once: -tc N
  --requeue B         true: -r y (the job may be rerun after a node failure or by qmod -rj)
  --qsub-opt OPT      any other qsub word, e.g. --qsub-opt -P --qsub-opt myproject (repeatable)
  --config FILE       qsub options, one per line ('-P myproject'), # comments (default: conf/sge.conf if it exists)
  --poll-max-s S      longest pause between two qstat polls, seconds (default 10)"

# How each option becomes qsub options (parse_launcher_options in launcher_lib.sh)
declare -A option_words=([--gpus]="-l gpu=VALUE" [--mem]="-l mem_free=VALUE,ram_free=VALUE" [--time]="-l h_rt=VALUE"
  [--num-threads]="-pe smp VALUE" [--queue]="-q VALUE" [--requeue=true]="-r y" [--requeue=false]="-r n"
  [--qsub-opt]="VALUE")
parse_launcher_options "$@"
shift "$num_option_words"

declare -A log_of=() line_of=()
plan_queued_jobs conf/sge.conf qsub '-P myproject' "qsub qstat qdel" "$@"
write_job_script 'index=${SGE_TASK_ID:-undefined}; if [[ $index == undefined ]]; then index='"$first"'; fi' \
  'sge job ${JOB_ID:-?}.$index, restarted ${RESTARTED:-0}' '${NSLOTS:-1}'

# Grid Engine writes the output file itself: the log path with $TASK_ID for the array index.
out=$log_path
array=()
if [[ -n $job_name ]]; then
  out=${out//"$job_name"/\$TASK_ID}
  array=(-t "$first-$last")
  if [[ -n $max_jobs_run ]]; then array+=(-tc "$max_jobs_run"); fi
fi
job_id=
cancel() {
  trap - INT TERM
  if [[ -n $job_id ]]; then
    qdel "$job_id" >/dev/null 2>&1 || true
    printf '%s: interrupted, deleted sge job %s\n' "$prog" "$job_id" >&2
  fi
  exit "$1"
}
trap 'cancel 130' INT
trap 'cancel 143' TERM
if ! job_id=$(qsub -terse "${conf_opts[@]}" "${opts[@]}" "${array[@]}" -N "${base//[^A-Za-z0-9_.-]/_}" -S /bin/bash \
  -cwd -V -j y -o "$out" "$script" 2>"$qdir/$base.qsub.err"); then
  printf '%s: qsub refused the job:\n' "$prog" >&2
  sed 's/^/    /' "$qdir/$base.qsub.err" >&2
  printf '    (qsub %s)\n' "${conf_opts[*]} ${opts[*]} ${array[*]}" >&2
  exit 1
fi
job_id=${job_id%%.*}  # an array job prints 123.1-4:1

# Wait for every job: qstat -j fails once a job has left the system (or qmaster is briefly unreachable).
job_state() {
  if qstat -j "$job_id" >/dev/null 2>&1; then
    echo running
  else
    echo unknown
  fi
}
wait_for_jobs job_state
trap - INT TERM

job_who() {
  printf '; sge job %s%s' "$job_id" "${job_name:+.$1}"
}
report_jobs queued_job_rc job_who
