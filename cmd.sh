# How jobs run.  Every launcher takes Kaldi's run.pl arguments:
#   $cmd [JOB=1:N] <log-path> <command> ...   (JOB is replaced by 1..N in the log path and command)
# Local machine (default): jobs run here, at most --max-jobs-run at a time.
export train_cmd="utils/run_local.sh"
export decode_cmd="utils/run_local.sh"
export feats_cmd="utils/run_local.sh"
