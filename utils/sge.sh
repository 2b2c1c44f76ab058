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
  --poll-max S        longest pause between two qstat polls, seconds (default 10)"

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
    --gpus | --gpu | --mem | --time | --num-threads | --queue | --max-jobs-run | --requeue | --qsub-opt \
      | --config | --poll-max)
      if (($# < 2)); then
        die_usage "option '$1' needs a value"
      fi
      case $1 in
        --gpus | --gpu)
          [[ $2 =~ ^[0-9]+$ ]] || die_usage "$1 takes a number of GPUs, not '$2'"
          if (($2 > 0)); then opts+=(-l "gpu=$2"); fi ;;
        --mem) opts+=(-l "mem_free=$2,ram_free=$2") ;;
        --time) opts+=(-l "h_rt=$2") ;;
        --num-threads)
          [[ $2 =~ ^[1-9][0-9]*$ ]] || die_usage "--num-threads takes a positive integer, not '$2'"
          num_threads=$2
          opts+=(-pe smp "$2") ;;
        --queue) opts+=(-q "$2") ;;
        --max-jobs-run)
          [[ $2 =~ ^[1-9][0-9]*$ ]] || die_usage "--max-jobs-run takes a positive integer, not '$2'"
          max_jobs_run=$2 ;;
        --requeue)
          case $2 in
            true) opts+=(-r y) ;;
            false) opts+=(-r n) ;;
            *) die_usage "--requeue takes true or false, not '$2'" ;;
          esac ;;
        --qsub-opt) opts+=("$2") ;;
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

read_conf_opts "$config" conf/sge.conf qsub '-P myproject'

parse_job_spec "$@"
shift "$spec_words"
log_path=${1:-}
declare -A log_of=() line_of=()
plan_jobs "$@"
shift
require_tools "the Grid Engine client commands" qsub qstat qdel

# The job script: each index's command line (run_local.sh's quoting), a header and footer around the job's
# output, and its exit code written to q/ by rename (so a job killed mid-way leaves no code at all).
plan_queue_dir "$log_path"
cat >"$script.tmp" <<EOF
#!/usr/bin/env bash
# Written by utils/sge.sh for: ${log_path}
cd $(printf '%q' "$PWD") || exit 1
index=\${SGE_TASK_ID:-undefined}
if [[ \$index == undefined ]]; then index=$first; fi
case \$index in
$cases  *) echo "no command for index \$index" >&2; exit 1 ;;
esac
${num_threads:+export OMP_NUM_THREADS=$num_threads}
printf '# %s\n# Started at %s on %s (sge job %s.%s, restarted %s)\n' "\$line" "\$(date)" "\$(hostname)" \\
  "\${JOB_ID:-?}" "\$index" "\${RESTARTED:-0}"
start=\$SECONDS
rc=0
bash -c "\$line" </dev/null || rc=\$?
printf '# Accounting: time=%d threads=%s\n# Ended (code %d) at %s\n' "\$((SECONDS - start))" \\
  "\${NSLOTS:-1}" "\$rc" "\$(date)"
echo "\$rc" >$(printf '%q' "$qdir/$base").\$index.rc.tmp && mv $(printf '%q' "$qdir/$base").\$index.rc.tmp $(printf '%q' "$qdir/$base").\$index.rc
exit "\$rc"
EOF
mv -- "$script.tmp" "$script"

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

# Wait: done when every job has left its exit code (checked twice a second), or qstat no longer knows the job
# (a killed or deleted job leaves no code). qstat is asked every 0.5 s at first, 1.5 times less often each
# time, then every --poll-max s.
next=first
all_done() {
  while ((next <= last)) && [[ -e $qdir/$base.$next.rc ]]; do
    next=$((next + 1))
  done
  ((next > last))
}
pause=5  # tenths of a second between qstat calls
wait_ds=0
gone=0
while ! all_done; do
  sleep 0.5
  wait_ds=$((wait_ds + 5))
  if ((wait_ds < pause)); then
    continue
  fi
  wait_ds=0
  pause=$((pause * 3 / 2 < poll_max * 10 ? pause * 3 / 2 : poll_max * 10))
  # qstat -j fails once the job has left the system, and also when qmaster is briefly unreachable: 3 in a row.
  if qstat -j "$job_id" >/dev/null 2>&1; then
    gone=0
  else
    gone=$((gone + 1))
    if ((gone >= 3)); then
      break
    fi
  fi
done
trap - INT TERM

job_rc() {
  cat -- "$qdir/$base.$1.rc" 2>/dev/null || echo none
}
job_who() {
  printf '; sge job %s%s' "$job_id" "${job_name:+.$1}"
}
report_jobs job_rc job_who
