# Sourced by utils/run_local.sh, utils/slurm.sh and utils/sge.sh: the parts of Kaldi's run.pl contract they
# share (job spec, per-job logs and command lines, the failure report), so the launchers cannot drift apart.
# The caller defines $prog and die_usage (the cluster launchers also die), and declares the associative arrays
# log_of and line_of.

# parse_job_spec "$@": a first argument shaped NAME=... is a job spec (so a typo like JOB=1-4 is an error, not
# a log path). Sets job_name (empty: one job), first, last, num_jobs and spec_words (1 if it was a spec, so
# the caller shifts it, else 0).
parse_job_spec() {
  job_name=
  first=1
  last=1
  spec_words=0
  if (($# > 0)) && [[ $1 =~ ^[A-Za-z_][A-Za-z0-9_]*= ]]; then
    if [[ $1 =~ ^([A-Za-z_][A-Za-z0-9_]*)=([0-9]+)(:([0-9]+))?$ ]]; then
      job_name=${BASH_REMATCH[1]}
      first=$((10#${BASH_REMATCH[2]}))
      last=$((10#${BASH_REMATCH[4]:-${BASH_REMATCH[2]}}))
    fi
    if [[ -z $job_name ]] || ((first > last)); then
      die_usage "bad job spec '$1': expected NAME=A:B with integers A <= B, or NAME=K"
    fi
    spec_words=1
  fi
  num_jobs=$((last - first + 1))
}

# plan_jobs LOG_PATH COMMAND [ARGS...]: fills log_of[index] and line_of[index] for every index (the job name
# replaced; COMMAND stays shell text, each ARG re-quoted as one word) and creates the log directories, so a
# bad path fails before anything runs.
plan_jobs() {
  if (($# < 2)); then
    die_usage "missing LOG_PATH or COMMAND"
  fi
  local log_path=$1 index words
  shift
  if ((num_jobs > 1)) && [[ $log_path != *"$job_name"* ]]; then
    die_usage "LOG_PATH '$log_path' does not contain $job_name, so all $num_jobs jobs would write the same log"
  fi
  for ((index = first; index <= last; index++)); do
    if [[ -n $job_name ]]; then
      log_of[$index]=${log_path//"$job_name"/$index}
      words=("${@//"$job_name"/$index}")
    else
      log_of[$index]=$log_path
      words=("$@")
    fi
    line_of[$index]=${words[0]}
    if ((${#words[@]} > 1)); then
      line_of[$index]+=$(printf ' %q' "${words[@]:1}")
    fi
    mkdir -p -- "$(dirname -- "${log_of[$index]}")"
  done
}

# plan_queue_dir LOG_PATH (cluster launchers, after plan_jobs): qdir (absolute, beside the first job's log)
# holds the job script and exit codes; sets base, script, and cases (one `INDEX) line=...` branch per job
# for the script's case statement); clears old logs and codes so stale ones are never read.
plan_queue_dir() {
  local log_path=$1 index
  qdir=$(dirname -- "${log_path//"$job_name"/$first}")/q
  base=$(basename -- "$log_path" .log)
  mkdir -p -- "$qdir"
  qdir=$(cd "$qdir" && pwd)
  script=$qdir/$base.sh
  cases=
  for ((index = first; index <= last; index++)); do
    cases+="  $index) line=$(printf '%q' "${line_of[$index]}") ;;"$'\n'
    rm -f -- "${log_of[$index]}" "$qdir/$base.$index.rc"
  done
}

# read_conf_opts FILE DEFAULT TOOL EXAMPLE: sets conf_opts to the TOOL (sbatch, qsub) options of FILE (--config),
# or of DEFAULT when FILE is empty and DEFAULT exists (else none): one option per line, # comments; a line must
# start with an option (EXAMPLE shows one). They go first on the command line, so the launcher's options win.
read_conf_opts() {
  local file=$1 default=$2 tool=$3 example=$4 line words lineno=0
  conf_opts=()
  if [[ -z $file ]]; then
    [[ -f $default ]] || return 0
    file=$default
  fi
  if [[ ! -f $file ]]; then
    printf '%s: --config %s: no such file\n' "$prog" "$file" >&2
    exit 1
  fi
  while IFS= read -r line || [[ -n $line ]]; do
    lineno=$((lineno + 1))
    line=${line%%#*}
    read -r -a words <<<"$line"
    if ((${#words[@]} > 0)); then
      if [[ ${words[0]} != -* ]]; then
        printf "%s: %s:%d: '%s' is not an %s option; write one option per line, e.g. %s\n" "$prog" "$file" \
          "$lineno" "${words[0]}" "$tool" "$example" >&2
        exit 1
      fi
      conf_opts+=("${words[@]}")
    fi
  done <"$file"
}

# report_jobs RC_OF WHO: RC_OF INDEX prints a job's exit code ("none" when it left none); WHO INDEX describes
# the job for the message (e.g. its scheduler id). Names each failed job with its log's last 10 lines and
# exits 1 if any failed.
report_jobs() {
  local rc_of=$1 who=$2 index rc what num_failed=0
  for ((index = first; index <= last; index++)); do
    rc=$("$rc_of" "$index")
    if [[ $rc != 0 ]]; then
      num_failed=$((num_failed + 1))
      what="exit $rc"
      if [[ $rc == none ]]; then
        what="no exit code: killed, cancelled, preempted, out of time or memory?"
      fi
      what+=$("$who" "$index")
      if [[ -n $job_name ]]; then
        printf '%s: job %d failed (%s), log: %s\n' "$prog" "$index" "$what" "${log_of[$index]}" >&2
      else
        printf '%s: job failed (%s), log: %s\n' "$prog" "$what" "${log_of[$index]}" >&2
      fi
      tail -n 10 -- "${log_of[$index]}" 2>/dev/null | sed 's/^/    /' >&2 || true
    fi
  done
  if ((num_failed > 0)); then
    printf '%s: %d / %d jobs failed\n' "$prog" "$num_failed" "$num_jobs" >&2
    exit 1
  fi
}

# require_tools WHAT TOOL...: dies unless every TOOL is on the PATH (WHAT names them in the message).
require_tools() {
  local what=$1 tool
  shift
  for tool in "$@"; do
    command -v "$tool" >/dev/null || die "$tool not found: this launcher needs $what (or use utils/run_local.sh in cmd.sh)"
  done
}
