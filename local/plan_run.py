#!/usr/bin/env -S sh -c 'p="${0%/*}/../.venv/bin/python"; [ -x "$p" ] || p=python3; exec "$p" "$0" "$@"'
"""Plan a run of run.sh: print, as shell assignments, the sets and experiment dirs its options resolve to.

e.g.: local/plan_run.py --corpus mix --seeds "1 2" --ami-dir ../shared/corpora/dev_rttm

run.sh evaluates the output once, before stage 0, so the names are computed in one place (vadkit/plan.py):
models; the sets stage 1 prepares (corpus_sets, ami_sets, builtin_sets, and all of them: sets), feat_sets
(stage 2), eval_sets (stages 4, 5), noise_sets (mix, librimix: dev_noise, the dev set's noise files alone,
and dev_noise_tel beside the AMI telephone copies; stage 4 decodes them, stage 5 tunes with them) and
decode_sets (stage 4: both); train_exps with their train_confs and train_seeds (stage 3, one each, in
order; no seeds: the configs' own), ensembles and members_of (an associative array: ensemble dir -> its
members' dirs); teachers (stage 3: the public VADs whose train-set probabilities the configs distil,
train.teacher); exps (every system decoded and scored) and merge_seeds (true/false: the summary shows seeds as
mean ± sd); folder_of (--corpus dir: set -> the folder it is made from; a test folder alone is the set
eval_<--test-name or its folder's name>, so it never replaces data/test or exp/<model>/decode_test).  Lists are space-separated.  Writes nothing.
"""
import shlex

from vadkit import cli, config, plan
from vadkit.config import MixCorpusConfig


def main(argv=None):
    p = cli.parser(__doc__)
    p.add_argument("--corpus", default="builtin", help=f"one of: {', '.join(plan.CORPORA)} (default builtin)")
    p.add_list("--models", default=[], help="models (default, as run.sh: lstm blstm lstm2; mix, librimix: + blstm60)")
    p.add_argument("--model", default="", help="one model; overrides --models")
    p.add_argument("--seeds", default="", help="e.g. \"1 2 3\": each model once per seed (default: the config's)")
    p.add_bool("--ensemble", default=True, help="with two or more seeds, also their ensemble (default true)")
    p.add_argument("--ami-dir", default="", help="given: also the AMI sets")
    p.add_argument("--ami-telephone", default="mulaw", help="none: no telephone copies of the AMI sets")
    p.add_bool("--builtin-eval", help="true: also the built-in corpus's dev and test (default false)")
    p.add_argument("--train-dir", default="", help="--corpus dir: empty means evaluate a test folder only")
    p.add_argument("--dev-dir", default="", help="--corpus dir: the dev folder")
    p.add_argument("--test-dir", default="", help="--corpus dir: the test folder")
    p.add_argument("--test-name", default="", help="a test folder alone: its set is data/eval_<name> (default: "
                   "the folder's name)")
    p.add_argument("--mix-conf", default="", help="mix, librimix: the corpus config; with a held-out pattern, "
                   "its cross-domain dev set xdev is a set of the run too")
    a = p.parse_args(argv)
    train = a.corpus != "dir" or bool(a.train_dir)
    xdev = False
    if a.corpus in ("mix", "librimix") and a.mix_conf:
        from vadkit.corpora import mix   # here: it loads scipy.signal (~1.5 s), and every run.sh starts with this
        xdev = "xdev" in mix.sets_of(config.load(a.mix_conf, MixCorpusConfig))
    eval_set = plan.eval_set_name(a.test_dir, a.test_name)
    r = plan.plan(a.corpus, " ".join(a.models), a.model, a.seeds, a.ensemble, bool(a.ami_dir), a.ami_telephone,
                  a.builtin_eval, train=train, eval_set=eval_set, xdev=xdev)
    t = r.trainings
    values = {"models": r.models, "corpus_sets": r.corpus_sets, "ami_sets": r.ami_sets,
              "builtin_sets": r.builtin_sets, "sets": r.sets, "feat_sets": r.feat_sets, "eval_sets": r.eval_sets,
              "noise_sets": r.noise_sets, "decode_sets": r.decode_sets,
              "train_exps": [x.exp_dir for x in t], "train_confs": [x.config for x in t],
              "train_seeds": [str(x.seed) for x in t if x.seed is not None], "ensembles": list(r.ensembles),
              "teachers": r.teachers,
              "exps": r.exps, "merge_seeds": ["true" if r.merge_seeds else "false"]}
    for name, words in values.items():
        print(f"{name}={shlex.quote(' '.join(words))}")
    members = " ".join(f"[{shlex.quote(e)}]={shlex.quote(' '.join(m))}" for e, m in r.ensembles.items())
    print(f"declare -A members_of=({members})")
    folders = {"train": a.train_dir, "dev": a.dev_dir, "test": a.test_dir} if train else {eval_set: a.test_dir}
    print("declare -A folder_of=(" + " ".join(f"[{k}]={shlex.quote(v)}" for k, v in folders.items()) + ")")


if __name__ == "__main__":
    cli.run(main)
