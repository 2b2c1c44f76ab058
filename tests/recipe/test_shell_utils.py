"""Tests for the shell helpers: utils/parse_options.sh and the local job launcher utils/run_local.sh."""
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import ROOT

PARSE_OPTIONS = ROOT / "utils" / "parse_options.sh"
RUN_LOCAL = ROOT / "utils" / "run_local.sh"

CALLER = """#!/usr/bin/env bash
set -euo pipefail
stage=0
stop_stage=100
nj=2
models="lstm blstm"
overwrite=false
mirror=
help_message="Usage: caller.sh [options] <data-dir>"
. "{parse_options}"
echo "stage=$stage"
echo "stop_stage=$stop_stage"
echo "models=$models"
echo "overwrite=$overwrite"
echo "mirror=$mirror"
echo "nargs=$#"
for a in "$@"; do echo "arg=$a"; done
"""


def run(args, cwd, timeout=10):
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout)


# ---------------------------------------------------------------- parse_options.sh


def shell_script(tmp_path, name, text):
    """tmp_path/name with text (its {parse_options} filled in), as a function running it with arguments."""
    script = tmp_path / name
    script.write_text(text.format(parse_options=PARSE_OPTIONS))
    script.chmod(0o755)
    return lambda *args: run([script, *args], tmp_path)


@pytest.fixture
def caller(tmp_path):
    return shell_script(tmp_path, "caller.sh", CALLER)


def test_parse_options_defaults_untouched(caller):
    r = caller()
    assert r.returncode == 0, r.stderr
    assert "stage=0\nstop_stage=100\nmodels=lstm blstm\noverwrite=false\nmirror=\nnargs=0\n" == r.stdout


def test_parse_options_sets_values_and_leaves_positional_args(caller):
    r = caller("--stage", "2", "--stop-stage", "3", "--models", "a b", "--overwrite", "true",
               "--mirror", "$(echo no)", "data/x", "--stage", "9")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[:5] == ["stage=2", "stop_stage=3", "models=a b", "overwrite=true", "mirror=$(echo no)"]
    # Parsing stops at the first non-option: the later --stage is the caller's argument.
    assert lines[5:] == ["nargs=3", "arg=data/x", "arg=--stage", "arg=9"]


def test_parse_options_double_dash_ends_options(caller):
    r = caller("--stage", "1", "--", "--stop-stage", "2")
    assert r.returncode == 0, r.stderr
    assert "stage=1\nstop_stage=100\n" in r.stdout
    assert "nargs=2\narg=--stop-stage\narg=2\n" in r.stdout


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_parse_options_help(caller, flag):
    r = caller("--stage", "1", flag)
    assert r.returncode == 0
    assert r.stdout == "Usage: caller.sh [options] <data-dir>\n"
    assert r.stderr == ""


@pytest.mark.badinput
@pytest.mark.parametrize(
    "args, message",
    [
        (["--no-such-option", "1"], "caller.sh: unknown option '--no-such-option'"),
        (["--PATH", "/x"], "caller.sh: unknown option '--PATH'"),
        (["--stage"], "caller.sh: option '--stage' needs a value"),
        (["--stop-stage=3"], "caller.sh: option '--stop-stage=3': write '--stop-stage 3'"),
        (["--overwrite", "yes"], "caller.sh: option '--overwrite' takes true or false, not 'yes'"),
        (["--stage", "abc"], "caller.sh: option '--stage' takes an integer, not 'abc'"),
        (["--stop-stage", "1.5"], "caller.sh: option '--stop-stage' takes an integer, not '1.5'"),
        (["--help-message", "x"], "caller.sh: unknown option '--help-message'"),
        (["--nj", "0"], "caller.sh: option '--nj' takes a positive integer (the number of jobs), not '0'"),
        (["--nj", "-2"], "caller.sh: option '--nj' takes a positive integer (the number of jobs), not '-2'"),
        (["--nj", "1.5"], "caller.sh: option '--nj' takes a positive integer (the number of jobs), not '1.5'"),
        (["--nj", "two"], "caller.sh: option '--nj' takes a positive integer (the number of jobs), not 'two'"),
    ],
)
def test_parse_options_errors(caller, args, message):
    r = caller(*args)
    assert r.returncode == 1
    assert r.stdout == ""
    first, rest = r.stderr.split("\n", 1)
    assert first.startswith(message)
    assert rest == "Usage: caller.sh [options] <data-dir>\n"


def test_parse_options_without_help_message(tmp_path):
    script = tmp_path / "bare.sh"
    script.write_text(f'set -euo pipefail\nstage=0\n. "{PARSE_OPTIONS}"\necho "stage=$stage"\n')
    assert run(["bash", script, "--stage", "4"], tmp_path).stdout == "stage=4\n"
    r = run(["bash", script, "--help"], tmp_path)
    assert r.returncode == 0 and r.stdout.startswith("Usage: bare.sh")
    r = run(["bash", script, "--bad", "1"], tmp_path)
    assert r.returncode == 1 and r.stderr.startswith("bare.sh: unknown option '--bad'\nUsage: bare.sh")


WRAPPER = """#!/usr/bin/env bash
set -euo pipefail
config=
feat_format=ark
help_message="Usage: wrapper.sh [options] <in-dir> <out-dir>"
nargs=2
renamed_options="--format:--feat-format --fmt:--feat-format"
old_first_arg=config
. "{parse_options}"
echo "config=$config feat_format=$feat_format args=$*"
"""


@pytest.fixture
def wrapper(tmp_path):
    return shell_script(tmp_path, "wrapper.sh", WRAPPER)


@pytest.mark.badinput
def test_parse_options_checks_the_number_of_arguments(wrapper):
    r = wrapper("--config", "c.yaml", "a", "b")
    assert r.returncode == 0 and r.stdout == "config=c.yaml feat_format=ark args=a b\n" and r.stderr == ""
    for args, got in ((["a"], 1), (["a", "b", "c", "d"], 4)):
        r = wrapper(*args)
        assert r.returncode == 1
        assert r.stderr.startswith(f"wrapper.sh: expected 2 arguments after the options, got {got}\n")


def test_parse_options_old_spellings_warn_once_each(wrapper):
    r = wrapper("--format", "hdf5", "c.yaml", "a", "b")  # an old option name and the old first argument
    assert r.returncode == 0 and r.stdout == "config=c.yaml feat_format=hdf5 args=a b\n"
    assert r.stderr.splitlines() == [
        "wrapper.sh: --format is deprecated (accepted until the next release); use --feat-format",
        "wrapper.sh: <config> as the first argument is deprecated (accepted until the next release); "
        "write --config c.yaml"]
    r = wrapper("--fmt", "x", "--nargs", "1", "a", "b")
    assert r.returncode == 1 and r.stderr.splitlines()[1] == "wrapper.sh: unknown option '--nargs'"


@pytest.mark.badinput
def test_parse_options_at_least_n_arguments(tmp_path):
    script = tmp_path / "many.sh"
    script.write_text(f'set -euo pipefail\nnargs=2+\n. "{PARSE_OPTIONS}"\necho "$#"\n')
    assert run(["bash", script, "a", "b", "c"], tmp_path).stdout == "3\n"
    r = run(["bash", script, "a"], tmp_path)
    assert r.returncode == 1 and r.stderr.startswith("many.sh: expected 2 or more arguments after the options, got 1")


# ---------------------------------------------------------------- run_local.sh


def launch(tmp_path, *args, timeout=10):
    return run([RUN_LOCAL, *args], tmp_path, timeout=timeout)


def test_run_local_job_array_substitutes_index(tmp_path):
    r = launch(tmp_path, "JOB=1:3", "exp/log/echo.JOB.log", "echo", "job JOB of split3/JOB")
    assert r.returncode == 0, r.stderr
    for i in (1, 2, 3):
        lines = (tmp_path / f"exp/log/echo.{i}.log").read_text().splitlines()
        assert lines[0] == f"# echo job\\ {i}\\ of\\ split3/{i}"
        assert lines[1].startswith("# Started at ")
        assert lines[2] == f"job {i} of split3/{i}"
        assert lines[3].startswith("# Accounting: time=") and lines[3].endswith(" threads=1")
        assert lines[4].startswith("# Ended (code 0) at ")
    assert not (tmp_path / "exp/log/echo.JOB.log").exists()


def test_run_local_single_job_and_single_index(tmp_path):
    r = launch(tmp_path, "log/one.log", "echo", "JOB")
    assert r.returncode == 0, r.stderr
    assert "\nJOB\n" in (tmp_path / "log/one.log").read_text()
    r = launch(tmp_path, "N=7", "log/n.N.log", "echo", "index N")
    assert r.returncode == 0, r.stderr
    assert "\nindex 7\n" in (tmp_path / "log/n.7.log").read_text()


def test_run_local_arguments_keep_spaces_and_command_string_is_shell(tmp_path):
    r = launch(tmp_path, "log/args.log", "printf", "<%s>\\n", "a b", "it's", "$HOME")
    assert r.returncode == 0, r.stderr
    assert "<a b>\n<it's>\n<$HOME>\n" in (tmp_path / "log/args.log").read_text()
    r = launch(tmp_path, "log/pipe.log", "echo abc | tr a-c x-z; echo done", "tail arg")
    assert r.returncode == 0, r.stderr
    # The first word is shell text, so the pipeline runs; the extra argument goes to the last command.
    assert "\nxyz\ndone tail arg\n" in (tmp_path / "log/pipe.log").read_text()


def test_run_local_jobs_run_in_parallel(tmp_path):
    start = time.monotonic()
    r = launch(tmp_path, "--max-jobs-run", "2", "JOB=1:2", "log/sleep.JOB.log", "sleep", "1")
    elapsed = time.monotonic() - start
    assert r.returncode == 0, r.stderr
    assert elapsed < 1.8, f"2 jobs of 1 s took {elapsed:.2f} s with --max-jobs-run 2"


def test_run_local_default_slots_ignore_omp_num_threads(tmp_path, monkeypatch):
    # GNU nproc prints OMP_NUM_THREADS when set: one thread per job must not mean one job at a time
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("needs 2 CPUs")
    start = time.monotonic()
    r = launch(tmp_path, "JOB=1:2", "log/sleep.JOB.log", "sleep", "1")
    assert r.returncode == 0, r.stderr
    assert time.monotonic() - start < 1.8, "2 jobs of 1 s ran one after the other"


def test_run_local_respects_max_jobs_run(tmp_path):
    # Each job appends "start" and "end" to one file; with one slot, they never interleave.
    r = launch(tmp_path, "--max-jobs-run", "1", "JOB=1:3", "log/s.JOB.log",
               "echo start >> order; sleep 0.2; echo end >> order")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "order").read_text() == "start\nend\n" * 3


@pytest.mark.fault
def test_run_local_failing_job_is_reported_and_others_run(tmp_path):
    cmd = "for k in $(seq 1 12); do echo line$k; done; test JOB -ne 2 || exit 3; touch done.JOB"
    r = launch(tmp_path, "--mem", "2G", "--gpu", "0", "--gpus", "1", "--time", "1:00", "--num-threads", "1",
               "JOB=1:3", "log/f.JOB.log", cmd)
    assert r.returncode == 1
    assert (tmp_path / "done.1").exists() and (tmp_path / "done.3").exists()
    assert "# Ended (code 3) at" in (tmp_path / "log/f.2.log").read_text()
    lines = r.stderr.splitlines()
    assert lines[0] == "run_local.sh: job 2 failed (exit 3), log: log/f.2.log"
    # The last 10 lines of the log, indented: output lines 5..12, then the two footer lines.
    assert [s.strip() for s in lines[1:9]] == [f"line{k}" for k in range(5, 13)]
    assert lines[1].startswith("  ") and lines[10].strip().startswith("# Ended (code 3)")
    assert lines[11] == "run_local.sh: 1 / 3 jobs failed"
    assert len(lines) == 12


def test_run_local_single_failing_job(tmp_path):
    r = launch(tmp_path, "log/x.log", "echo oops >&2; exit 5")
    assert r.returncode == 1
    assert r.stderr.startswith("run_local.sh: job failed (exit 5), log: log/x.log\n")
    assert "    oops\n" in r.stderr
    assert r.stderr.endswith("run_local.sh: 1 / 1 jobs failed\n")


@pytest.mark.badinput
@pytest.mark.parametrize(
    "args, message",
    [
        (["log/x.log"], "missing LOG_PATH or COMMAND"),
        (["JOB=1:2", "log/x.JOB.log"], "missing LOG_PATH or COMMAND"),
        ([], "missing LOG_PATH or COMMAND"),
        (["JOB=3:1", "log/x.JOB.log", "true"], "bad job spec 'JOB=3:1'"),
        (["JOB=1-3", "log/x.JOB.log", "true"], "bad job spec 'JOB=1-3'"),
        (["JOB=1:2", "log/x.log", "true"], "does not contain JOB"),
        (["--max-jobs-run", "0", "log/x.log", "true"], "--max-jobs-run takes a positive integer"),
        (["--queue", "q", "log/x.log", "true"], "unknown option '--queue'"),
        (["--mem"], "option '--mem' needs a value"),
    ],
)
def test_run_local_usage_errors(tmp_path, args, message):
    r = launch(tmp_path, *args)
    assert r.returncode == 1
    assert r.stderr.startswith("run_local.sh: ") and message in r.stderr.splitlines()[0]
    assert "Usage: run_local.sh [options] [JOB=1:N] LOG_PATH COMMAND [ARGS...]" in r.stderr
    assert not (tmp_path / "log").exists()


def is_running(pid):
    """True unless pid is gone or a zombie (an orphan's zombie lingers where nothing reaps it)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[-1].split()[0] == "Z")


def test_run_local_terminated_stops_running_jobs(tmp_path):
    p = subprocess.Popen([str(RUN_LOCAL), "JOB=1:2", "log/s.JOB.log", "echo $$ > pid.JOB; exec sleep 30"],
                         cwd=tmp_path, stderr=subprocess.PIPE, text=True)
    pid_files = [tmp_path / "pid.1", tmp_path / "pid.2"]
    deadline = time.monotonic() + 5
    while not all(f.exists() and f.read_text().strip() for f in pid_files) and time.monotonic() < deadline:
        time.sleep(0.05)
    job_pids = [int(f.read_text()) for f in pid_files]
    try:
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=5) == 143
        assert "interrupted, stopped the running jobs" in p.stderr.read()
        deadline = time.monotonic() + 3
        while any(map(is_running, job_pids)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(map(is_running, job_pids))
    finally:
        for pid in job_pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def test_run_local_help(tmp_path):
    r = launch(tmp_path, "--help")
    assert r.returncode == 0
    assert r.stdout.startswith("Usage: run_local.sh [options] [JOB=1:N] LOG_PATH COMMAND [ARGS...]\n")
    assert "e.g.: utils/run_local.sh " in r.stdout


def test_run_local_from_another_cwd(tmp_path):
    work = tmp_path / "elsewhere"
    work.mkdir()
    r = launch(work, "JOB=1:2", "sub/log/j.JOB.log", "pwd")
    assert r.returncode == 0, r.stderr
    assert f"\n{work}\n" in (work / "sub/log/j.2.log").read_text()


def test_run_local_shares_threads_among_parallel_jobs(tmp_path):
    # 2 jobs side by side on any machine: each gets nproc // 2 threads (at least 1), unless the caller set it
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    p = subprocess.run([str(RUN_LOCAL), "--max-jobs-run", "2", "JOB=1:2", str(tmp_path / "t.JOB.log"),
                        'echo "threads=$OMP_NUM_THREADS"'], capture_output=True, text=True, env=env, timeout=10)
    assert p.returncode == 0, p.stderr
    expected = max(1, (os.cpu_count() or 1) // 2)
    assert f"threads={expected}\n" in (tmp_path / "t.1.log").read_text()
    p = subprocess.run([str(RUN_LOCAL), str(tmp_path / "one.log"), 'echo "threads=${OMP_NUM_THREADS:-unset}"'],
                       capture_output=True, text=True, env=env, timeout=10)
    assert "threads=unset\n" in (tmp_path / "one.log").read_text()
    p = subprocess.run([str(RUN_LOCAL), "JOB=1:2", str(tmp_path / "u.JOB.log"), 'echo "threads=$OMP_NUM_THREADS"'],
                       capture_output=True, text=True, env={**env, "OMP_NUM_THREADS": "3"}, timeout=10)
    assert "threads=3\n" in (tmp_path / "u.2.log").read_text()


# ---------------------------------------------------------------- slurm.sh (with stand-in sbatch/squeue)

SLURM = ROOT / "utils" / "slurm.sh"
FAKE_SBATCH = r"""#!/usr/bin/env bash
# Stand-in for sbatch --parsable: records its arguments, runs the script once per array index, prints an id.
printf '%s\n' "$@" > "$FAKE_DIR/sbatch.args"
first=1; last=1; out=
for a in "$@"; do
  case $a in
    --array=*) r=${a#--array=}; r=${r%%%*}; first=${r%-*}; last=${r#*-} ;;
    --output=*) out=${a#--output=} ;;
  esac
done
script=${!#}
for ((i = first; i <= last; i++)); do
  o=${out//%a/$i}
  SLURM_JOB_ID=42 SLURM_ARRAY_JOB_ID=42 SLURM_ARRAY_TASK_ID=$i bash "$script" >>"${o//%%/%}" 2>&1
done
echo 42
"""


EXIT_0 = "#!/bin/sh\nexit 0\n"


def with_fake_scheduler(tmp_path, launcher, commands):
    """A function running launcher in tmp_path with stand-ins {name: script} for the scheduler's commands."""
    bin_dir = tmp_path / f"bin_{launcher.stem}"
    bin_dir.mkdir()
    for name, text in commands.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "FAKE_DIR": str(tmp_path)}
    return lambda *args: subprocess.run([str(launcher), *map(str, args)], cwd=tmp_path, env=env, capture_output=True,
                                        text=True, timeout=20)


@pytest.fixture
def fake_slurm(tmp_path):
    return with_fake_scheduler(tmp_path, SLURM, {"sbatch": FAKE_SBATCH, "squeue": EXIT_0, "scancel": EXIT_0})


def test_slurm_maps_options_and_reports_failed_jobs(tmp_path, fake_slurm):
    (tmp_path / "site.conf").write_text("# site options\n--account=proj  # ours\n\n--partition=cpu\n")
    r = fake_slurm("--config", "site.conf", "--gpus", "2", "--mem", "4G", "--time", "1:00:00", "--partition", "gpu",
                   "--num-threads", "3", "--max-jobs-run", "2", "--requeue", "true", "--sbatch-opt", "--qos=low",
                   "JOB=1:3", "exp/log/t.JOB.log", "test JOB -ne 2 || exit 4; echo threads=$OMP_NUM_THREADS", "x JOB")
    args = (tmp_path / "sbatch.args").read_text().splitlines()
    assert args[:9] == ["--parsable", "--account=proj", "--partition=cpu", "--gres=gpu:2", "--mem=4G",
                        "--time=1:00:00", "--partition=gpu", "--cpus-per-task=3", "--requeue"]
    assert args[9:13] == ["--qos=low", "--array=1-3%2", "--job-name=exp/log/t.JOB", "--output=exp/log/t.%a.log"]
    log1 = (tmp_path / "exp/log/t.1.log").read_text().splitlines()
    assert log1[0] == "# test 1 -ne 2 || exit 4; echo threads=$OMP_NUM_THREADS x\\ 1"
    assert log1[1].startswith("# Started at ") and log1[1].endswith(" (slurm job 42_1, restart 0)")
    assert log1[2] == "threads=3 x 1" and log1[4].startswith("# Ended (code 0) at ")
    assert r.returncode == 1
    lines = r.stderr.splitlines()
    assert lines[0] == "slurm.sh: job 2 failed (exit 4; slurm job 42_2), log: exp/log/t.2.log"
    assert lines[-1] == "slurm.sh: 1 / 3 jobs failed"


@pytest.mark.fault
def test_slurm_job_that_leaves_no_exit_code_is_reported(tmp_path, fake_slurm):
    # The job is killed before it writes its code (time limit, preemption, OOM): squeue no longer lists it.
    r = fake_slurm("log/k.log", "kill -9 $PPID")
    assert r.returncode == 1
    assert r.stderr.startswith("slurm.sh: job failed (no exit code: killed, cancelled, preempted, out of time or "
                               "memory?; slurm job 42), log: log/k.log\n")


@pytest.mark.badinput
@pytest.mark.parametrize(
    "args, message",
    [
        (["--gpus", "x", "log/x.log", "true"], "--gpus takes a number of GPUs, not 'x'"),
        (["--requeue", "yes", "log/x.log", "true"], "--requeue takes true or false, not 'yes'"),
        (["JOB=1:2", "log/x.log", "true"], "does not contain JOB"),
        (["--queue", "q", "log/x.log", "true"], "unknown option '--queue'"),
    ],
)
def test_slurm_usage_errors(tmp_path, fake_slurm, args, message):
    r = fake_slurm(*args)
    assert r.returncode == 1 and message in r.stderr.splitlines()[0]
    assert not (tmp_path / "sbatch.args").exists()


@pytest.mark.badinput
def test_slurm_bad_config_line_names_it(tmp_path, fake_slurm):
    (tmp_path / "bad.conf").write_text("--account=a\npartition=gpu\n")
    r = fake_slurm("--config", "bad.conf", "log/x.log", "true")
    assert r.returncode == 1
    assert r.stderr.startswith("slurm.sh: bad.conf:2: 'partition=gpu' is not an sbatch option")


# ---------------------------------------------------------------- sge.sh (with stand-in qsub/qstat)

SGE = ROOT / "utils" / "sge.sh"
FAKE_QSUB = r"""#!/usr/bin/env bash
# Stand-in for qsub -terse: records its arguments, runs the script once per task, prints the job id.
printf '%s\n' "$@" > "$FAKE_DIR/qsub.args"
first=1; last=1; out=; array=
while (($# > 1)); do
  case $1 in
    -t) r=$2; first=${r%-*}; last=${r#*-}; array=1; shift 2 ;;
    -o) out=$2; shift 2 ;;
    *) shift ;;
  esac
done
for ((i = first; i <= last; i++)); do
  task=$i; [[ -n $array ]] || task=undefined
  JOB_ID=77 SGE_TASK_ID=$task bash "$1" >>"${out//\$TASK_ID/$i}" 2>&1
done
if [[ -n $array ]]; then echo "77.$first-$last:1"; else echo 77; fi
"""


@pytest.fixture
def fake_sge(tmp_path):
    # qstat fails: the job has left the system
    return with_fake_scheduler(tmp_path, SGE, {"qsub": FAKE_QSUB, "qstat": "#!/bin/sh\nexit 1\n", "qdel": EXIT_0})


def test_sge_maps_options_and_reports_failed_jobs(tmp_path, fake_sge):
    (tmp_path / "sge.conf").write_text("-P proj  # our project\n")
    r = fake_sge("--config", "sge.conf", "--gpus", "1", "--mem", "2G", "--time", "1:00:00", "--num-threads", "2",
                 "--queue", "g.q", "--max-jobs-run", "5", "JOB=1:2", "log/s.JOB.log",
                 "echo threads=$OMP_NUM_THREADS; exit $((JOB - 1))")
    args = (tmp_path / "qsub.args").read_text().splitlines()
    assert args[:16] == ["-terse", "-P", "proj", "-l", "gpu=1", "-l", "mem_free=2G,ram_free=2G", "-l", "h_rt=1:00:00",
                         "-pe", "smp", "2", "-q", "g.q", "-t", "1-2"]
    assert args[16:20] == ["-tc", "5", "-N", "s.JOB"] and args[-3:-1] == ["-o", "log/s.$TASK_ID.log"]
    log1 = (tmp_path / "log/s.1.log").read_text().splitlines()
    assert log1[1].endswith(" (sge job 77.1, restarted 0)") and log1[2] == "threads=2"
    assert r.returncode == 1
    assert r.stderr.splitlines()[0] == "sge.sh: job 2 failed (exit 1; sge job 77.2), log: log/s.2.log"
    assert r.stderr.splitlines()[-1] == "sge.sh: 1 / 2 jobs failed"


@pytest.mark.badinput
@pytest.mark.parametrize(
    "args, message",
    [
        (["--gpu", "-1", "log/x.log", "true"], "--gpu takes a number of GPUs, not '-1'"),
        (["--num-threads", "0", "log/x.log", "true"], "--num-threads takes a positive integer, not '0'"),
        (["--partition", "p", "log/x.log", "true"], "unknown option '--partition'"),  # Slurm's, not SGE's
        (["--queue"], "option '--queue' needs a value"),
    ],
)
def test_sge_usage_errors(tmp_path, fake_sge, args, message):
    r = fake_sge(*args)
    assert r.returncode == 1 and r.stderr.splitlines()[0] == f"sge.sh: {message}"
    assert "Usage: sge.sh [options]" in r.stderr and not (tmp_path / "qsub.args").exists()


@pytest.mark.badinput
def test_cluster_launchers_poll_max_s_and_its_old_name(tmp_path, fake_slurm, fake_sge):
    for launch, name in ((fake_slurm, "slurm.sh"), (fake_sge, "sge.sh")):
        r = launch("--poll-max-s", "2", "--gpus", "0", "log/x.log", "true")
        assert r.returncode == 0 and r.stderr == "", r.stderr
        r = launch("--poll-max", "2", "log/x.log", "true")
        assert r.returncode == 0
        assert r.stderr == f"{name}: --poll-max is deprecated (accepted until the next release); use --poll-max-s\n"
        r = launch("--poll-max-s", "x", "log/x.log", "true")
        assert r.returncode == 1 and f"{name}: --poll-max-s takes a positive integer, not 'x'" in r.stderr
    assert "--gres" not in (tmp_path / "sbatch.args").read_text()  # --gpus 0: no GPU asked for


@pytest.mark.badinput
def test_train_sh_trains_each_exp_dir_with_its_config_and_seed(tmp_path):
    fake = tmp_path / "fake_cmd.sh"  # a launcher that records the command instead of training
    fake.write_text('#!/usr/bin/env bash\nmkdir -p "$(dirname "$1")"; log=$1; shift; echo "$*" > "$log"\n')
    fake.chmod(0o755)
    for d in ("conf", "steps", "utils"):
        os.symlink(ROOT / d, tmp_path / d)

    def train_sh(*args):
        return subprocess.run(["steps/train.sh", "--cmd", str(fake), *args], cwd=tmp_path, capture_output=True,
                              text=True)

    exps = [f"exp/{m}_seed{k}" for m in ("lstm", "blstm") for k in (1, 2)]
    r = train_sh("--config", "conf/lstm.yaml conf/lstm.yaml conf/blstm.yaml conf/blstm.yaml", "--seed", "1 2 1 2",
                 "d/train", "d/dev", *exps)
    assert r.returncode == 0, r.stderr
    logs = sorted(p.relative_to(tmp_path).as_posix() for p in (tmp_path / "exp").glob("*/log/train.log"))
    assert logs == sorted(f"{e}/log/train.log" for e in exps)
    line = (tmp_path / "exp/blstm_seed2/log/train.log").read_text()
    assert "--config conf/blstm.yaml --seed 2 " in line and line.rstrip().endswith("d/train d/dev exp/blstm_seed2")
    assert train_sh("--config", "conf/lstm.yaml", "d/train", "d/dev", "exp/a", "exp/b").returncode == 0  # one: all
    assert "--config conf/lstm.yaml --overwrite" in (tmp_path / "exp/b/log/train.log").read_text()  # no seed
    for args, message in ((["--seed", "1 x"], "--seed takes integers, not 'x'"),
                          (["--seed", "1 2 3"], "--seed takes one seed or one per exp dir (2), not 3"),
                          (["--config", "conf/lstm.yaml conf/nosuch.yaml"], "conf/nosuch.yaml not found"),
                          (["--config", ""], "--config takes one model config or one per exp dir (2), not 0")):
        r = train_sh(*(["--config", "conf/lstm.yaml"] if args[0] != "--config" else []), *args,
                     "d/train", "d/dev", "exp/a", "exp/b")
        assert r.returncode == 1 and r.stderr.startswith(f"train.sh: {message}"), r.stderr


def test_run_sh_default_models_per_corpus_and_the_seed_ensemble(tmp_path):
    fake = tmp_path / "fake_cmd.sh"  # a launcher that records the command instead of training
    fake.write_text('#!/usr/bin/env bash\nmkdir -p "$(dirname "$1")"; log=$1; shift; echo "$*" > "$log"\n')
    fake.chmod(0o755)
    for name in ("run.sh", "cmd.sh", "path.sh", "requirements.txt", ".venv", "conf", "steps", "utils", "local", "vadkit"):
        os.symlink(ROOT / name, tmp_path / name)

    def stage3(*args):
        shutil.rmtree(tmp_path / "exp", ignore_errors=True)
        r = subprocess.run(["./run.sh", "--stage", "3", "--stop-stage", "3", "--train-cmd", str(fake), *args],
                           cwd=tmp_path, capture_output=True, text=True, timeout=120)
        return r, sorted(p.parent.parent.name for p in (tmp_path / "exp").glob("*/log/train.log"))

    assert stage3()[1] == ["blstm", "lstm", "lstm2"]                       # built-in: the notebook's three
    r, trained = stage3("--corpus", "mix")     # + the real-speech pair (conf/blstm60.yaml's ensemble) and lstm2_small60
    assert trained == ["blstm", "blstm60_pcen_seed1", "blstm60_seed1", "lstm", "lstm2", "lstm2_small60"]
    assert "exp/blstm60_seed1 exp/blstm60_pcen_seed1 -> exp/blstm60" in r.stdout
    logs = {e: (tmp_path / f"exp/{e}/log/train.log").read_text() for e in ("blstm60_pcen_seed1", "lstm2_small60")}
    assert "--config conf/blstm60_pcen.yaml --seed 1 " in logs["blstm60_pcen_seed1"]   # each member its conf,
    assert "--config conf/lstm2_small60.yaml --seed 1 " in logs["lstm2_small60"]   # the others' own config seed
    assert stage3("--corpus", "mix", "--model", "lstm")[1] == ["lstm"]
    # two seeds: the ensemble follows the trainings (here it finds no final.pt: the launcher is fake)
    r, trained = stage3("--model", "lstm", "--seeds", "1 2")
    assert trained == ["lstm_seed1", "lstm_seed2"] and r.returncode == 1
    assert "exp/lstm_seed1 exp/lstm_seed2 -> exp/lstm_ens" in r.stdout
    assert "exp/lstm_seed1/final.pt: no trained model" in r.stderr
    r, _ = stage3("--model", "lstm", "--seeds", "1 2", "--ensemble", "false")
    assert r.returncode == 0 and "lstm_ens" not in r.stdout


def test_run_sh_decodes_scores_and_summarises_each_seed_and_their_ensemble(tmp_path):
    fake = tmp_path / "fake_cmd.sh"  # a launcher that records the command instead of running it
    fake.write_text('#!/usr/bin/env bash\nmkdir -p "$(dirname "$1")"; log=$1; shift; echo "$*" > "$log"\n')
    fake.chmod(0o755)
    for name in ("run.sh", "cmd.sh", "path.sh", "requirements.txt", ".venv", "conf", "steps", "utils", "local", "vadkit"):
        os.symlink(ROOT / name, tmp_path / name)
    r = subprocess.run(["./run.sh", "--stage", "4", "--model", "lstm", "--seeds", "1 2", "--decode-cmd", str(fake)],
                       cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    for e in ("lstm_seed1", "lstm_seed2", "lstm_ens"):
        assert "steps/decode.py" in (tmp_path / f"exp/{e}/log/decode_test.merge.log").read_text()
        assert f"data/dev exp/{e}/decode_dev data/test exp/{e}/decode_test" in \
            (tmp_path / f"exp/{e}/log/score_test.log").read_text()       # tuned on dev
    # the summary shows the seeds as mean ± sd, the ensemble apart (summary.log: the command it ran)
    assert "local/score.py --seeds true exp/lstm_seed1 exp/lstm_seed2 exp/lstm_ens" in r.stdout


def test_run_sh_decodes_ami_sets_with_the_turn_head_of_a_model_that_has_one(tmp_path):
    from builders import make_ami_corpus, make_model_dir
    fake = tmp_path / "fake_cmd.sh"  # a launcher that records the command instead of decoding
    fake.write_text('#!/usr/bin/env bash\nmkdir -p "$(dirname "$1")"; log=$1; shift; echo "$*" > "$log"\n')
    fake.chmod(0o755)
    for name in ("run.sh", "cmd.sh", "path.sh", "requirements.txt", ".venv", "steps", "utils", "local", "vadkit"):
        os.symlink(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "conf", tmp_path / "conf")
    shutil.copy(tmp_path / "conf/lstm.yaml", tmp_path / "conf/lstm_turn.yaml")
    make_model_dir(tmp_path / "exp/lstm")
    make_model_dir(tmp_path / "exp/lstm_turn", turn_head=True)
    r = subprocess.run(["./run.sh", "--stage", "4", "--stop-stage", "4", "--models", "lstm lstm_turn", "--ami-dir",
                        str(make_ami_corpus(tmp_path / "ami")), "--decode-cmd", str(fake)],
                       cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    conf = {(m, s): (tmp_path / f"exp/{m}/log/decode_{s}.merge.log").read_text().split()[2]
            for m in ("lstm", "lstm_turn") for s in ("dev", "ami_dev", "ami_test_tel")}
    assert conf == {("lstm", "dev"): "conf/decode.yaml", ("lstm", "ami_dev"): "conf/decode.yaml",
                    ("lstm", "ami_test_tel"): "conf/decode.yaml", ("lstm_turn", "dev"): "conf/decode.yaml",
                    ("lstm_turn", "ami_dev"): "conf/decode_turn.yaml",
                    ("lstm_turn", "ami_test_tel"): "conf/decode_turn.yaml"}
