# How jobs run.  Every launcher takes Kaldi's run.pl arguments:
#   $cmd [JOB=1:N] <log-path> <command> ...   (JOB is replaced by 1..N in the log path and command)
# and the same resource options: --gpus N (--gpu N), --mem X, --time T, --num-threads N (ignored locally).
# --gpus N in train_cmd also sets how many DDP processes a training runs (run.sh passes it on).
# feats_cmd runs stages 0-2 (corpus, data prep, features), train_cmd stage 3, decode_cmd stages 4 and 5.
# Local machine (default): jobs run here, at most --max-jobs-run at a time.
export train_cmd="utils/run_local.sh"
export decode_cmd="utils/run_local.sh"
export feats_cmd="utils/run_local.sh"

# Slurm (sbatch job arrays; site options such as --account go in conf/slurm.conf), e.g.:
# export train_cmd="utils/slurm.sh --gpus 1 --mem 8G --time 4:00:00 --partition gpu --requeue true"
# export decode_cmd="utils/slurm.sh --mem 4G --time 1:00:00"
# export feats_cmd="utils/slurm.sh --mem 4G --time 1:00:00"

# SGE / Grid Engine (qsub -sync y -t; site options in conf/sge.conf), e.g.:
# export train_cmd="utils/sge.sh --gpus 1 --mem 8G --time 4:00:00 --queue gpu.q"
# export decode_cmd="utils/sge.sh --mem 4G"
# export feats_cmd="utils/sge.sh --mem 4G"
