"""vadkit.plan: what run.sh's options resolve to (sets, experiment dirs), and local/plan_run.py's output."""
import subprocess

import pytest

from vadkit import config, plan
from vadkit.config import ExperimentConfig
from vadkit.errors import InputError

from conftest import ROOT


def test_experiment_names_have_one_rule():
    assert plan.exp_name("blstm") == "blstm" and plan.exp_name("blstm", 3) == "blstm_seed3"
    assert plan.ensemble_name("blstm") == "blstm_ens"
    assert plan.seed_group(plan.exp_name("lstm2_small", 12)) == "lstm2_small_seed*"
    assert [plan.seed_group(n) for n in ("blstm", "blstm_ens", "blstm_seed", "x_seed1y")] == [None] * 4


def test_default_run():
    p = plan.plan("builtin")
    assert p.models == ["lstm", "blstm", "lstm2"] and p.sets == p.feat_sets == ["train", "dev", "test"]
    assert p.eval_sets == ["dev", "test"] and p.exps == ["exp/lstm", "exp/blstm", "exp/lstm2"]
    assert [(t.config, t.seed, t.exp_dir) for t in p.trainings][0] == ("conf/lstm.yaml", None, "exp/lstm")
    assert not p.ensembles and not p.merge_seeds


def test_models_per_corpus_and_the_model_option():
    assert plan.plan("mix").models == ["lstm", "blstm", "lstm2", "blstm60", "lstm2_small60"]
    assert plan.plan("librimix", models="lstm blstm").models == ["lstm", "blstm"]
    assert plan.plan("mix", models="lstm blstm", model="lstm2").models == ["lstm2"]


@pytest.mark.badinput
def test_seeds_and_their_ensembles():
    p = plan.plan("builtin", model="lstm", seeds="1 2")
    assert [(t.seed, t.exp_dir) for t in p.trainings] == [(1, "exp/lstm_seed1"), (2, "exp/lstm_seed2")]
    assert p.ensembles == {"exp/lstm_ens": ["exp/lstm_seed1", "exp/lstm_seed2"]} and p.merge_seeds
    assert p.exps == ["exp/lstm_seed1", "exp/lstm_seed2", "exp/lstm_ens"]
    assert not plan.plan("builtin", model="lstm", seeds="1 2", ensemble=False).ensembles
    one = plan.plan("builtin", model="lstm", seeds="7")
    assert one.exps == ["exp/lstm_seed7"] and not one.ensembles and one.merge_seeds
    with pytest.raises(InputError, match="--seeds takes integers"):
        plan.plan("builtin", seeds="1 two")


@pytest.mark.badinput
def test_extra_sets_and_evaluating_a_test_folder_alone():
    p = plan.plan("mix", ami=True, builtin_eval=True)
    assert p.sets == ["train", "dev", "test", "dev_noise", "dev_noise_tel", "ami_dev", "ami_test", "ami_dev_tel",
                      "ami_test_tel", "builtin_dev", "builtin_test"]
    # the dev noise alone (and through the telephone channel) is prepared, cached and decoded, never scored
    assert p.noise_sets == ["dev_noise", "dev_noise_tel"] and p.feat_sets == p.sets
    assert p.eval_sets == [s for s in p.sets[1:] if s not in p.noise_sets]
    assert p.decode_sets == [*p.noise_sets, *p.eval_sets]
    assert plan.plan("builtin").noise_sets == [] and plan.plan("librimix").noise_sets == ["dev_noise"]
    assert plan.plan("mix", ami=True, ami_telephone="none").noise_sets == ["dev_noise"]
    assert plan.plan("builtin", ami=True, ami_telephone="none", builtin_eval=True).sets[3:] == ["ami_dev", "ami_test"]
    assert plan.plan("mat", ami=True, ami_telephone="none").feat_sets == ["ami_dev", "ami_test"]
    alone = plan.plan("dir", model="lstm", seeds="1 2", train=False,  # decoded with the models trained before
                      eval_set=plan.eval_set_name("rec/new/"))
    assert alone.sets == alone.eval_sets == ["eval_new"] and not alone.trainings and not alone.ensembles
    assert plan.eval_set_name("rec/test") == "eval_test" and plan.eval_set_name("a/my calls") == "eval_my_calls"
    assert plan.eval_set_name("rec/x", "calls") == "eval_calls"
    assert plan.eval_set_name("rec/звонки 2/") == "eval_звонки_2" and plan.eval_set_name("rec/通话") == "eval_通话"
    with pytest.raises(InputError, match="--test-name 'a b': use letters"):
        plan.eval_set_name("rec/x", "a b")
    assert alone.exps == ["exp/lstm_seed1", "exp/lstm_seed2", "exp/lstm_ens"]
    with pytest.raises(InputError, match="unknown --corpus 'nosuch'"):
        plan.plan("nosuch")


def test_plan_run_prints_what_bash_evaluates():
    p = subprocess.run([str(ROOT / "local/plan_run.py"), "--corpus", "mix", "--models", "lstm blstm", "--seeds", "1 2"],
                       cwd=ROOT, capture_output=True, text=True, check=True)
    script = p.stdout + 'echo "$exps|$train_confs|$train_seeds|$ensembles|${members_of[exp/blstm_ens]}|$merge_seeds"'
    out = subprocess.run(["bash", "-euc", script], capture_output=True, text=True, check=True).stdout.strip()
    assert out.split("|") == [
        "exp/lstm_seed1 exp/lstm_seed2 exp/blstm_seed1 exp/blstm_seed2 exp/lstm_ens exp/blstm_ens",
        "conf/lstm.yaml conf/lstm.yaml conf/blstm.yaml conf/blstm.yaml", "1 2 1 2", "exp/lstm_ens exp/blstm_ens",
        "exp/blstm_seed1 exp/blstm_seed2", "true"]


def test_cross_domain_dev_set_joins_the_run():
    p = plan.plan("mix", xdev=True)
    assert p.sets == ["train", "dev", "test", "xdev", "dev_noise"] and "xdev" in p.eval_sets and "xdev" in p.feat_sets
    assert plan.plan("mix").sets == ["train", "dev", "test", "dev_noise"]


@pytest.mark.badinput
def test_a_config_can_make_its_model_an_ensemble_of_seeds(tmp_path):
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "pair.yaml").write_text("model:\n  hidden_size: 8\nensemble:\n  seeds: [3, 5]\n")
    (conf / "lstm.yaml").write_text("model:\n  hidden_size: 8\n")
    p = plan.plan("builtin", models="pair lstm", conf_dir=str(conf))
    assert [(t.config, t.seed, t.exp_dir) for t in p.trainings] == [
        (f"{conf}/pair.yaml", 3, "exp/pair_seed3"), (f"{conf}/pair.yaml", 5, "exp/pair_seed5"),
        (f"{conf}/lstm.yaml", 1, "exp/lstm")]     # beside seeded trainings, its config's own seed: one per training
    assert p.ensembles == {"exp/pair": ["exp/pair_seed3", "exp/pair_seed5"]}
    assert p.exps == ["exp/pair", "exp/lstm"] and not p.merge_seeds     # the members are not decoded
    seeded = plan.plan("builtin", models="pair", seeds="1 2", conf_dir=str(conf))   # --seeds: as for any model
    assert seeded.exps == ["exp/pair_seed1", "exp/pair_seed2", "exp/pair_ens"]
    assert plan.plan("dir", models="pair", conf_dir=str(conf), train=False).exps == ["exp/pair"]
    for bad in ("[1]", "[1, 1]", "[1, x]"):   # refused where the config is read for training (naming the file);
        (conf / "bad.yaml").write_text(f"ensemble:\n  seeds: {bad}\n")   # the plan goes on: other trainings run
        with pytest.raises(InputError, match="bad.yaml: ensemble: .*seeds must be two or more different integers"):
            config.load(conf / "bad.yaml", ExperimentConfig)
        assert plan.plan("builtin", models="bad lstm", conf_dir=str(conf)).exps == ["exp/bad", "exp/lstm"]


@pytest.mark.badinput
def test_a_config_can_make_its_model_an_ensemble_of_other_confs(tmp_path):
    """ensemble: members: trainings of any conf (<model>_seed<k>), e.g. conf/blstm60.yaml's MFCC and PCEN networks;
    a member two ensembles share is trained once."""
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "mix.yaml").write_text("model:\n  hidden_size: 8\nensemble:\n  members: [mix_seed1, other_seed4]\n")
    (conf / "mix2.yaml").write_text("ensemble:\n  members: [other_seed4, mix2_seed2]\n")
    (conf / "other.yaml").write_text("model:\n  input_kind: pcen\ntrain:\n  teacher: silero\n")
    p = plan.plan("builtin", models="mix mix2", conf_dir=str(conf))
    assert [(t.config, t.seed, t.exp_dir) for t in p.trainings] == [
        (f"{conf}/mix.yaml", 1, "exp/mix_seed1"), (f"{conf}/other.yaml", 4, "exp/other_seed4"),
        (f"{conf}/mix2.yaml", 2, "exp/mix2_seed2")]
    assert p.ensembles == {"exp/mix": ["exp/mix_seed1", "exp/other_seed4"],
                           "exp/mix2": ["exp/other_seed4", "exp/mix2_seed2"]}
    assert p.exps == ["exp/mix", "exp/mix2"] and p.teachers == ["silero"]   # a member's teacher decodes first too
    assert plan.plan("builtin", models="mix", seeds="1 2", conf_dir=str(conf)).exps == [
        "exp/mix_seed1", "exp/mix_seed2", "exp/mix_ens"]                     # --seeds: its own network, as any model
    for bad in ("[a_seed1]", "[a, b_seed1]", "[a_seed1, a_seed1]"):
        (conf / "bad.yaml").write_text(f"ensemble:\n  members: {bad}\n")
        with pytest.raises(InputError, match="bad.yaml: ensemble: .*members must be two or more different "
                                             "<model>_seed<k> names"):
            config.load(conf / "bad.yaml", ExperimentConfig)
    (conf / "bad.yaml").write_text("ensemble:\n  seeds: [1, 2]\n  members: [a_seed1, b_seed1]\n")
    with pytest.raises(InputError, match="not beside seeds"):
        config.load(conf / "bad.yaml", ExperimentConfig)


def test_teachers_of_the_trainings_are_decoded_first(tmp_path):
    """A config with train.teacher (distillation) puts that public VAD in the plan's teachers (run.sh stage 3
    decodes data/train with it before training), once however many trainings name it."""
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "kd.yaml").write_text("train:\n  teacher: silero\n")
    (conf / "kd2.yaml").write_text("train:\n  teacher: silero\n  teacher_weight: 0.3\n")
    (conf / "lstm.yaml").write_text("model:\n  hidden_size: 8\n")
    assert plan.plan("mix", models="kd kd2 lstm", seeds="1 2", conf_dir=str(conf)).teachers == ["silero"]
    assert plan.plan("mix", models="lstm", conf_dir=str(conf)).teachers == []
    assert plan.plan("dir", models="kd", conf_dir=str(conf), train=False).teachers == []   # evaluating only
