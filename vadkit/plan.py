"""What a run of run.sh does, resolved once from its options: the data sets each stage handles and the
experiment dirs it trains, decodes and scores (local/plan_run.py prints them for run.sh).

Experiment names have one rule, here: exp/<model> is trained with its config's seed, exp/<model>_seed<k>
with seed k (run.sh --seeds), exp/<model>_ens is the ensemble of a model's seeds; <model> is the stem of
conf/<model>.yaml.  A config with `ensemble: seeds: [...]` (config.EnsembleConfig) makes exp/<model> itself
the ensemble of exp/<model>_seed<k> for those seeds when run.sh gets no --seeds; `ensemble: members: [...]`
names the trainings instead (<other>_seed<k>: conf/<other>.yaml with seed k), so one model can combine
networks of several confs (the MFCC and PCEN networks of conf/blstm60.yaml).  report.seed_rows groups
seeds by seed_group.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from vadkit import config, names
from vadkit.config import ExperimentConfig
from vadkit.errors import InputError

CORPORA = ("builtin", "mix", "librimix", "dir", "mat")
DEFAULT_MODELS = ("lstm", "blstm", "lstm2")      # the notebook's three
REAL_SPEECH_MODELS = ("blstm60", "lstm2_small60")   # added for mix and librimix: the shipped offline and streaming models
CORPUS_SETS = ("train", "dev", "test")
NOISE_SET = "dev_noise"   # mix, librimix: the dev set's noise files alone (local/prepare_noise_set.py); with
#                           the AMI telephone copies also dev_noise_tel, the same through their channel

SEED_SUFFIX = "_seed"
ENSEMBLE_SUFFIX = "_ens"


def noise_set_of(set_name: str) -> str | None:
    """The noise-only set that bounds the setting tuned for `set_name` (stage 5, conf/score.yaml's
    tune_noise_max): dev_noise_tel for a telephone copy, none for the built-in corpus's sets, a test folder
    alone and the noise sets themselves, else dev_noise.  utils/tune_set.sh --noise is the same rule in bash
    (tests/recipe/test_ablation.py holds them equal)."""
    if set_name.startswith(("builtin_", EVAL_PREFIX)) or set_name in (NOISE_SET, NOISE_SET + "_tel"):
        return None
    return NOISE_SET + "_tel" if set_name.endswith("_tel") else NOISE_SET


def exp_name(model: str, seed: int | None = None) -> str:
    """The exp dir name of `model` trained with `seed` (None: its config's seed)."""
    return model if seed is None else f"{model}{SEED_SUFFIX}{seed}"


def ensemble_name(model: str) -> str:
    """The exp dir name of the ensemble of `model`'s seeds."""
    return model + ENSEMBLE_SUFFIX


def seed_group(name: str) -> str | None:
    """'<model>_seed*' for the exp name of a seeded training (exp_name(model, k)), else None."""
    m = config.MEMBER_NAME.match(name)
    return f"{m['model']}{SEED_SUFFIX}*" if m else None


@dataclass
class Training:
    """One training of stage 3: the config it reads, the seed it overrides (None: the config's) and its dir."""
    config: str
    seed: int | None
    exp_dir: str


@dataclass
class Plan:
    """A run's sets (names under data/) and experiment dirs, stage by stage."""
    models: list[str]
    corpus_sets: list[str]                    # stage 1 makes them from the corpus
    ami_sets: list[str] = field(default_factory=list)       # --ami-dir
    builtin_sets: list[str] = field(default_factory=list)   # --builtin-eval
    feat_sets: list[str] = field(default_factory=list)      # stage 2 (mat: stage 1 caches its own)
    eval_sets: list[str] = field(default_factory=list)      # stages 4 and 5
    noise_sets: list[str] = field(default_factory=list)     # noise alone: stage 4 decodes them, stage 5 tunes with them
    trainings: list[Training] = field(default_factory=list)  # stage 3
    ensembles: dict[str, list[str]] = field(default_factory=dict)  # stage 3: ensemble dir -> its members' dirs
    teachers: list[str] = field(default_factory=list)       # stage 3: public VADs the trainings distil (train.teacher)
    exps: list[str] = field(default_factory=list)           # stages 4 and 5: every system
    merge_seeds: bool = False                 # the summary shows seeds as mean ± sd

    @property
    def sets(self) -> list[str]:
        """Every set stage 1 prepares."""
        return self.corpus_sets + self.noise_sets + self.ami_sets + self.builtin_sets

    @property
    def decode_sets(self) -> list[str]:
        """Every set stage 4 decodes: the scored ones and the noise sets that tune them."""
        return self.noise_sets + self.eval_sets


def parse_seeds(seeds: str) -> list[int]:
    """'1 2 3' -> [1, 2, 3]; the error names the option."""
    try:
        return [int(k) for k in seeds.split()]
    except ValueError:
        raise InputError(f"--seeds takes integers, e.g. \"1 2 3\", not {seeds!r}") from None


EVAL_PREFIX = "eval_"   # a test folder evaluated alone: data/eval_<name>, never another set's data dir


def eval_set_name(test_dir: str, test_name: str = "") -> str:
    """The set of a test folder evaluated alone (run.sh --corpus dir --test-dir DIR): eval_<test_name>, or
    eval_<the folder's name> as an id (vadkit.names: `my calls` -> `my_calls`, `звонки` stays)."""
    name = test_name or names.id_of(Path(test_dir.rstrip("/")).name) or "folder"
    if not names.is_id(name):
        raise InputError(f"--test-name {name!r}: use {names.RULE} only")
    return EVAL_PREFIX + name


def own_members(model: str, ens: config.EnsembleConfig) -> list[tuple[str, int]]:
    """The trainings (model, seed) a config's `ensemble:` combines into exp/<model>: its seeds of the model
    itself, or its members (<model>_seed<k> names of any conf); [] for a single training."""
    if ens.members:
        return [(mm["model"], int(mm["seed"])) for mm in map(config.MEMBER_NAME.match, ens.members)]
    return [(model, k) for k in ens.seeds]


def _experiment(conf: Path) -> ExperimentConfig:
    """A model config as the plan reads it; the defaults for one that is missing or does not load (its training
    reports that, naming the file, and the run's other trainings go on)."""
    try:
        return config.load(conf, ExperimentConfig) if conf.is_file() else ExperimentConfig()
    except InputError:
        return ExperimentConfig()


def plan(corpus: str, models: str = "", model: str = "", seeds: str = "", ensemble: bool = True,
         ami: bool = False, ami_telephone: str = "mulaw", builtin_eval: bool = False, train: bool = True,
         exp_root: str = "exp", conf_dir: str = "conf", eval_set: str = "eval_test", xdev: bool = False) -> Plan:
    """The plan of run.sh with these options (models and seeds: space-separated, as run.sh takes them;
    ami: --ami-dir given; train: false when --corpus dir has a test folder alone, to evaluate only, as
    the set `eval_set` (eval_set_name); xdev: the mix corpus has a cross-domain dev set)."""
    if corpus not in CORPORA:
        raise InputError(f"unknown --corpus {corpus!r} ({', '.join(CORPORA)})")
    names = model.split() or models.split() or list(DEFAULT_MODELS)
    if not (model or models) and corpus in ("mix", "librimix"):
        names += REAL_SPEECH_MODELS
    ks: list[int | None] = [*parse_seeds(seeds)] or [None]
    p = Plan(names, [*CORPUS_SETS, *(["xdev"] if xdev else [])] if train else [eval_set], merge_seeds=ks != [None])
    if train and corpus in ("mix", "librimix"):   # the noise files the dev set was mixed from, alone
        p.noise_sets = [NOISE_SET] + ([NOISE_SET + "_tel"] if ami and ami_telephone != "none" else [])
    if ami:
        p.ami_sets = ["ami_dev", "ami_test"] + (["ami_dev_tel", "ami_test_tel"] if ami_telephone != "none" else [])
    if builtin_eval and corpus != "builtin":
        p.builtin_sets = ["builtin_dev", "builtin_test"]
    p.feat_sets = p.sets if corpus != "mat" else p.ami_sets + p.builtin_sets
    p.eval_sets = [s for s in p.sets if s != "train" and s not in p.noise_sets]
    own_seed = {}   # conf path -> its train.seed (the seed of a training that sets none)
    for m in names:
        conf = Path(conf_dir) / f"{m}.yaml"
        exp = _experiment(conf) if train else ExperimentConfig()
        own_seed[conf] = exp.train.seed
        if train and exp.train.teacher and exp.train.teacher not in p.teachers:
            p.teachers.append(exp.train.teacher)
        own = own_members(m, exp.ensemble) if ks == [None] else []
        if own:   # the config's own ensemble: its members, then exp/<model> (members are not decoded)
            members = [str(Path(exp_root) / exp_name(mm, k)) for mm, k in own]
            trained = {t.exp_dir for t in p.trainings}
            for (mm, k), e in zip(own, members):
                member_conf = Path(conf_dir) / f"{mm}.yaml"
                teacher = (_experiment(member_conf) if mm != m else exp).train.teacher
                if teacher and teacher not in p.teachers:
                    p.teachers.append(teacher)
                if e not in trained:   # two ensembles of a run may share a member
                    p.trainings.append(Training(str(member_conf), k, e))
            p.ensembles[str(Path(exp_root) / m)] = members
            p.exps.append(str(Path(exp_root) / m))
            continue
        members = [str(Path(exp_root) / exp_name(m, k)) for k in ks]
        p.exps += members
        if train:
            p.trainings += [Training(str(conf), k, e) for k, e in zip(ks, members)]
            if ensemble and len(ks) >= 2:
                p.ensembles[str(Path(exp_root) / ensemble_name(m))] = members
    p.exps += [str(Path(exp_root) / ensemble_name(m)) for m in names if ensemble and len(ks) >= 2]
    if any(t.seed is not None for t in p.trainings):   # steps/train.sh takes no seed or one per training
        p.trainings = [t if t.seed is not None else Training(t.config, own_seed[Path(t.config)], t.exp_dir)
                       for t in p.trainings]
    return p
