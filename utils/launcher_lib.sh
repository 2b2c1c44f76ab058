# Sourced by utils/run_local.sh, utils/slurm.sh and utils/sge.sh: the parts of Kaldi's run.pl contract they
# share (job spec, per-job logs and command lines, the failure report; the cluster launchers' options), so the
# launchers cannot drift apart. The caller defines $prog and $usage (the cluster launchers also option_words),
# and declares the associative arrays log_of and line_of.

# die_usage MESSAGE: a usage mistake: "<prog>: MESSAGE" and the usage on stderr, exit 1.
die_usage() {
  printf '%s: %s\n%s\n' "$prog" "$1" "$usage" >&2
  exit 1
}

# die MESSAGE: "<prog>: MESSAGE" on stderr, exit 1.
die() {
  printf '%s: %s\n' "$prog" "$1" >&2
  exit 1
}

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

# parse_launcher_options "$@" (slurm.sh, sge.sh): the options every cluster launcher takes, turned into
# scheduler words by the caller's associative array option_words: option -> its words (split on spaces),
# VALUE replaced by the option's value; --requeue B maps through the keys --requeue=true and --requeue=false,
# and an option without a key there is unknown. Sets opts (the words, in the order given), config,
# max_jobs_run, num_threads, poll_max_s and num_option_words (the arguments to shift). --help prints $usage.
parse_launcher_options() {
  local opt value word
  opts=()
  config=
  max_jobs_run=
  num_threads=
  poll_max_s=10
  num_option_words=0
  while (($# > 0)); do
    opt=$1
    case $opt in
      --help | -h) printf '%s\n' "$usage"; exit 0 ;;
      --gpu) opt=--gpus ;;
      --poll-max)
        printf '%s: --poll-max is deprecated (accepted until the next release); use --poll-max-s\n' "$prog" >&2
        opt=--poll-max-s ;;
      --*) ;;
      *) return 0 ;;
    esac
    if [[ -z ${option_words[$opt]+x} && ! $opt =~ ^--(requeue|max-jobs-run|config|poll-max-s)$ ]]; then
      die_usage "unknown option '$1'"
    fi
    if (($# < 2)); then
      die_usage "option '$1' needs a value"
    fi
    value=$2
    if [[ $opt == --gpus && ! $value =~ ^[0-9]+$ ]]; then
      die_usage "$1 takes a number of GPUs, not '$value'"
    elif [[ $opt =~ ^--(num-threads|max-jobs-run|poll-max-s)$ && ! $value =~ ^[1-9][0-9]*$ ]]; then
      die_usage "$1 takes a positive integer, not '$value'"
    elif [[ $opt == --requeue && ! $value =~ ^(true|false)$ ]]; then
      die_usage "--requeue takes true or false, not '$value'"
    fi
    case $opt in
      --gpus) if ((value == 0)); then opt=none; fi ;;  # no GPU: no words
      --requeue) opt=--requeue=$value ;;
      --num-threads) num_threads=$value ;;
      --max-jobs-run) max_jobs_run=$value ;;
      --config) config=$value ;;
      --poll-max-s) poll_max_s=$value ;;
    esac
    for word in ${option_words[$opt]:-}; do  # split on purpose: one template, several words
      opts+=("${word//VALUE/$value}")
    done
    num_option_words=$((num_option_words + 2))
    shift 2
  done
}

# wait_for_jobs STATE (cluster launchers, after submitting): returns when every job has left its exit code in
# $qdir (checked twice a second), or the scheduler has none of them any more (a killed, cancelled or timed-out
# job leaves no code). STATE prints "running" (a job is pending or running), "done" (none left) or "unknown"
# (the query failed: the scheduler purges finished jobs, or is briefly unreachable; three in a row count as
# done). It is asked every 0.5 s at first, 1.5 times less often each time, then every poll_max_s seconds.
wait_for_jobs() {
  local state_of=$1 next=$first pause=5 wait_ds=0 unknown=0  # pause, wait_ds: tenths of a second
  while true; do
    while ((next <= last)) && [[ -e $qdir/$base.$next.rc ]]; do
      next=$((next + 1))
    done
    if ((next > last)); then
      return 0
    fi
    sleep 0.5
    wait_ds=$((wait_ds + 5))
    if ((wait_ds < pause)); then
      continue
    fi
    wait_ds=0
    pause=$((pause * 3 / 2 < poll_max_s * 10 ? pause * 3 / 2 : poll_max_s * 10))
    case $("$state_of") in
      running) unknown=0 ;;
      done) sleep 1; return 0 ;;  # the last code may be landing on the shared file system
      *) unknown=$((unknown + 1)); if ((unknown >= 3)); then return 0; fi ;;
    esac
  done
}

# queued_job_rc INDEX (cluster launchers, for report_jobs): the exit code job INDEX left in $qdir, or "none".
queued_job_rc() {
  cat -- "$qdir/$base.$1.rc" 2>/dev/null || echo none
}

# write_job_script INDEX WHO THREADS (cluster launchers, after plan_queue_dir): writes $script, which runs one
# index's command line (run_local.sh's quoting) with a header and footer around the job's output, and writes
# its exit code to $qdir by rename (so a job killed mid-way leaves no code at all). The arguments are shell
# text the job runs or expands: INDEX sets $index (the array index), WHO names the job in the header (e.g.
# its scheduler id), THREADS is the number of threads it got.
write_job_script() {
  local index=$1 who=$2 threads=$3 rc
  rc=$(printf '%q' "$qdir/$base").\$index.rc
  cat >"$script.tmp" <<SCRIPT
#!/usr/bin/env bash
# Written by utils/$prog for: $log_path
cd $(printf '%q' "$PWD") || exit 1
$index
case \$index in
$cases  *) echo "no command for index \$index" >&2; exit 1 ;;
esac
${num_threads:+export OMP_NUM_THREADS=$num_threads}
printf '# %s\n# Started at %s on %s (%s)\n' "\$line" "\$(date)" "\$(hostname)" "$who"
start=\$SECONDS
rc=0
bash -c "\$line" </dev/null || rc=\$?
printf '# Accounting: time=%d threads=%s\n# Ended (code %d) at %s\n' "\$((SECONDS - start))" "$threads" "\$rc" \
  "\$(date)"
echo "\$rc" >$rc.tmp && mv $rc.tmp $rc
exit "\$rc"
SCRIPT
  mv -- "$script.tmp" "$script"
}

# plan_queued_jobs CONF_DEFAULT TOOL EXAMPLE CLIENT "$@" (cluster launchers, after parse_launcher_options):
# the site options (read_conf_opts), the job spec and the jobs (parse_job_spec, plan_jobs: sets log_path),
# a check that the scheduler's CLIENT commands (space-separated) are installed, then the queue dir
# (plan_queue_dir).
plan_queued_jobs() {
  local conf_default=$1 tool=$2 example=$3 client=$4
  shift 4
  read_conf_opts "$config" "$conf_default" "$tool" "$example"
  parse_job_spec "$@"
  shift "$spec_words"
  log_path=${1:-}
  plan_jobs "$@"
  require_tools "$client" $client  # the command names, split on purpose
  plan_queue_dir "$log_path"
}
