"""Scoring, thresholds, frame shifts, intervals, comparisons and curves on made-up systems
(decode dirs written directly from the reference: no model needed)."""
import dataclasses
import re

import numpy as np
import pytest
import yaml

from vadkit import config, io
from vadkit.config import DecodeConfig, FeatureConfig, ScoreConfig
from vadkit.data.datadir import load_data_dir
from vadkit.decode import decoding
from vadkit.decode.postprocess import probs_to_segments
from vadkit.errors import InputError
from vadkit.eval import metrics, report, scoring
from vadkit.features.grid import FrameGrid

from builders import make_toy_data_dir

GRID = FrameGrid()
FAST = ScoreConfig(bootstrap_resamples=200, tune_step=0.05, max_frame_shift=5)


@pytest.fixture(scope="module")
def sets(tmp_path_factory):
    root = tmp_path_factory.mktemp("score")
    return {"dev": make_toy_data_dir(root / "dev", 4, dur_s=8.0, seed=5),
            "test": make_toy_data_dir(root / "test", 5, dur_s=8.0, seed=6)}


def fake_decode(data_dir, decode_dir, noise=0.3, speech_at=0.6, nonspeech_at=0.4, delay=0, seed=0, threshold=0.5,
                dip_s=0.0, blip_s=0.0):
    """A system whose P(speech) is speech_at on reference speech, nonspeech_at elsewhere, plus
    uniform noise of +-noise; its decisions are those probabilities delayed by `delay` frames.
    dip_s > 0: P(speech) falls to nonspeech_at for dip_s in the middle of every reference region at
    least 3 dip_s long (a pause the reference keeps inside speech, as human turn labels do).
    blip_s > 0: P(speech) rises to speech_at for blip_s once a second outside reference speech (short noise
    bursts a threshold cannot tell from speech)."""
    d, rng = load_data_dir(data_dir), np.random.default_rng(seed)
    cfg = DecodeConfig(threshold=threshold)
    probs, hyp = {}, {}
    for r in d.rec_ids:
        ref = GRID.labels(d.regions[r], GRID.n_frames_for_duration(d.durations_s[r]))
        p = np.where(ref == 1, speech_at, nonspeech_at) + rng.uniform(-noise, noise, len(ref))
        for a, b in d.regions[r] if dip_s else []:
            if b - a >= 3 * dip_s:
                mid = (a + b) / 2 / GRID.hop_s
                p[int(mid - dip_s / 2 / GRID.hop_s):int(mid + dip_s / 2 / GRID.hop_s)] = nonspeech_at
        if blip_s:
            blip = (np.arange(len(ref)) % round(1 / GRID.hop_s)) < round(blip_s / GRID.hop_s)
            p[(ref == 0) & blip] = speech_at
        probs[r] = np.roll(np.clip(p, 0, 1), delay).astype(np.float32)
        hyp[r] = probs_to_segments(probs[r], cfg, GRID, d.durations_s[r])
    decoding.write_probs(decode_dir, probs, "ark")
    io.write_rttm(decode_dir / "hyp.rttm", hyp)
    feats = yaml.safe_dump({"features": config.to_dict(FeatureConfig())})
    io.write_text(decode_dir / "decode.yaml", yaml.safe_dump({"decode": config.to_dict(cfg), "data_cache": feats}))
    return decode_dir


def test_metrics_json_records_everything(sets, tmp_path):
    out = fake_decode(sets["test"], tmp_path / "sys/decode_test")
    m = scoring.score(sets["test"], out, FAST)
    for key in ("accuracy", "precision", "recall", "f1", "miss_rate", "false_alarm_rate", "dcf", "roc_auc",
                "average_precision", "eer", "min_dcf", "precision_at_recall_90", "precision_at_recall_95", "der",
                "threshold", "threshold_source", "baseline_all_speech", "n_frames", "n_files", "ci95", "bootstrap",
                "segment", "shift_search", "per_file"):
        assert key in m, key
    assert m["threshold"] == 0.5 and "decode.yaml" in m["threshold_source"] and "tuned" not in m
    assert m["n_files"] == 5 and m["n_frames"] == sum(f["n_frames"] for f in m["per_file"])
    assert m["segment"]["collar_s"] == 0.25 and 0 <= m["der"] < 1
    for k in ("f1", "roc_auc", "dcf"):
        lo, hi = m["ci95"][k]
        assert lo <= m[k] <= hi, k
    for f in ("metrics.json", "frame_stats.npz", "confusion.png", "per_file_errors.png"):
        assert (out / "scoring" / f).is_file(), f
    saved = io.read_json(out / "scoring/metrics.json")
    assert saved["f1"] == m["f1"] and saved["ci95"] == m["ci95"] and saved["per_file"] == m["per_file"]
    z = scoring.read_stats(out)
    assert z["counts"].sum() == m["n_frames"] and list(z["rec_ids"]) == sorted(load_data_dir(sets["test"]).rec_ids)
    # same seed, same intervals; another seed, others
    assert scoring.score(sets["test"], out, FAST)["ci95"] == m["ci95"]
    other = ScoreConfig(bootstrap_resamples=200, tune_step=0.05, max_frame_shift=5, bootstrap_seed=1)
    assert scoring.score(sets["test"], out, other)["ci95"] != m["ci95"]


def test_threshold_is_tuned_on_dev_and_applied_unchanged_to_test(sets, tmp_path):
    # dev scores are low (speech 0.25-0.45, non-speech 0-0.15): its best threshold is low; on test
    # (speech 0.7-0.9, non-speech 0.2-0.4) it lets false alarms in, where test's own best would not
    dev = fake_decode(sets["dev"], tmp_path / "sys/decode_dev", noise=0.1, speech_at=0.35, nonspeech_at=0.05)
    test = fake_decode(sets["test"], tmp_path / "sys/decode_test", noise=0.1, speech_at=0.8, nonspeech_at=0.3)
    t_dev = scoring.tune_threshold(sets["dev"], dev, FAST)
    assert t_dev["threshold"] <= 0.25
    m = scoring.score(sets["test"], test, FAST, tune_on=(sets["dev"], dev))
    assert m["tuned"]["threshold"] == t_dev["threshold"]
    assert "applied unchanged" in m["tuned"]["threshold_source"] and "dev" in m["tuned"]["threshold_source"]
    assert m["tuned"]["f1"] < m["f1"]  # dev's threshold does not suit test: nothing was tuned on test
    assert scoring.tune_threshold(sets["test"], test, FAST)["threshold"] >= 0.4
    dcf = ScoreConfig(bootstrap_resamples=50, tune_step=0.05, max_frame_shift=0, tune_metric="dcf")
    assert scoring.score(sets["test"], test, dcf, tune_on=(sets["dev"], dev))["tuned"]["threshold_source"].startswith(
        "best dcf")
    m = scoring.score(sets["dev"], dev, FAST, tune_on=(sets["dev"], dev))
    assert "this very set" in m["tuned"]["threshold_source"]


def test_post_processing_is_tuned_on_dev_with_the_threshold(sets, tmp_path):
    # 0.3 s dips inside reference speech: the decode config (no gap bridging) leaves them as misses,
    # bridging gaps under 350 ms fills them (and few real gaps: those are 0.3-1.2 s); the choice is
    # made on dev and applied to test
    dev = fake_decode(sets["dev"], tmp_path / "sys/decode_dev", noise=0.05, dip_s=0.3)
    test = fake_decode(sets["test"], tmp_path / "sys/decode_test", noise=0.05, dip_s=0.3, seed=1)
    plain = scoring.score(sets["test"], test, FAST, tune_on=(sets["dev"], dev))["tuned"]
    assert plain["postprocess"] == {"min_silence_ms": 0, "pad_ms": 0}   # empty lists: the decode's own
    grid = ScoreConfig(bootstrap_resamples=200, tune_step=0.05, max_frame_shift=5,
                       tune_min_silence_ms=[200, 350, 800], tune_pad_ms=[0, 30])  # with (0, 0)
    assert scoring.tune_threshold(sets["dev"], dev, grid)["postprocess"] == {"min_silence_ms": 350, "pad_ms": 0}
    m = scoring.score(sets["test"], test, grid, tune_on=(sets["dev"], dev))
    assert m["tuned"]["postprocess"] == {"min_silence_ms": 350, "pad_ms": 0}
    assert "min_silence_ms 350" in m["tuned"]["threshold_source"]
    assert m["tuned"]["f1"] > plain["f1"] + 0.02 and m["tuned"]["recall"] > plain["recall"]
    assert report.lookup(io.read_json(test / "scoring/metrics.json"), "tuned.postprocess.min_silence_ms") == 350
    with pytest.raises(ValueError, match="tune_pad_ms"):
        ScoreConfig(tune_pad_ms=[-5])


def test_shortest_speech_region_is_tuned_when_listed(sets, tmp_path):
    # 80 ms bursts as likely as speech once a second outside speech: no threshold drops them, dropping speech
    # regions under 150 ms does; the key joins the tuned post-processing only when its list is set
    dev = fake_decode(sets["dev"], tmp_path / "sys/decode_dev", noise=0.05, blip_s=0.08)
    test = fake_decode(sets["test"], tmp_path / "sys/decode_test", noise=0.05, blip_s=0.08, seed=1)
    plain = scoring.score(sets["test"], test, FAST, tune_on=(sets["dev"], dev))["tuned"]
    assert "min_speech_ms" not in plain["postprocess"]
    grid = dataclasses.replace(FAST, tune_min_speech_ms=[0, 150, 300])
    assert [g["min_speech_ms"] for g in scoring.postprocess_grid(scoring.load_decoded(sets["dev"], dev), grid)] == \
        [0, 150, 300]   # the decode config's own (0) first, once
    m = scoring.score(sets["test"], test, grid, tune_on=(sets["dev"], dev))["tuned"]
    assert m["postprocess"]["min_speech_ms"] >= 150 and "min_speech_ms" in m["threshold_source"]
    assert m["f1"] > plain["f1"] + 0.02 and m["precision"] > plain["precision"] + 0.02
    with pytest.raises(ValueError, match="tune_min_speech_ms"):
        ScoreConfig(tune_min_speech_ms=[-1])


@pytest.mark.parametrize("decode", [DecodeConfig(), DecodeConfig(median_frames=5, max_speech_s=1.5),
                                    DecodeConfig(median_frames=31, min_speech_ms=120, pad_ms=30)])
def test_the_sweep_counts_what_rethreshold_gives_at_every_setting(decode):
    """sweep_counts shares work between settings (one median filter a recording, then thresholds); each
    count must still be what thresholding and post-processing the probabilities from scratch gives."""
    rng = np.random.default_rng(7)
    n = {"a": 700, "b": 0, "c": 1, "d": 450}
    probs = {r: np.clip(np.repeat(rng.random(k // 7 + 1), 7)[:k] + rng.normal(0, 0.15, k), 0, 1).astype(np.float32)
             for r, k in n.items()}
    probs["d"][:] = 0.5                                 # ties at one threshold on every frame
    refs = {r: (rng.random(k) < 0.5).astype(np.int8) for r, k in n.items()}
    dur = {r: k * GRID.hop_s + 0.015 for r, k in n.items()}
    dec = scoring.Decoded(None, None, list(n), GRID, decode, {}, dur, {}, {}, refs, {}, probs)
    cfg = ScoreConfig(tune_step=0.05, tune_min_silence_ms=[0, 200], tune_pad_ms=[0, 50], tune_min_speech_ms=[0, 90])
    thresholds, grid, counts = scoring.sweep_counts(dec, cfg)
    assert len(grid) >= 8 and len(thresholds) == 19         # the decode config's own setting, then the lists'
    for i, pp in enumerate(grid):
        for j, t in enumerate(thresholds):
            hyps = scoring.rethreshold(dec, t, pp)[0]
            expected = [list(metrics.confusion(refs[r], hyps[r]).values()) for r in dec.rec_ids]
            assert counts[i][j].tolist() == expected, (pp, t)


def test_plateau_rule_takes_the_middle_of_a_broad_plateau_over_a_lone_peak():
    # setting 0 peaks once (0.90 at one threshold), setting 1 stays within 0.005 of that over five thresholds
    values = [[0.80, 0.90, 0.80, 0.80, 0.80, 0.80, 0.80, None],
              [0.70, 0.80, 0.897, 0.899, 0.896, 0.898, 0.897, 0.85]]
    best, plateau = ScoreConfig(), ScoreConfig(tune_rule="plateau", tune_margin=0.005)
    assert scoring.choose_setting(values, best) == (0, 1, 0.90)
    assert scoring.choose_setting(values, plateau) == (1, 4, 0.90)
    assert scoring.choose_setting(values, ScoreConfig(tune_rule="plateau", tune_margin=0.0)) == (0, 1, 0.90)
    wide = ScoreConfig(tune_rule="plateau", tune_margin=0.5)       # everything is near: the longest defined run
    assert scoring.choose_setting(values, wide) == (1, 3, 0.90)
    dcf = [[0.3, 0.1, 0.3], [0.12, 0.11, 0.13]]                  # lower is better
    assert scoring.choose_setting(dcf, ScoreConfig(tune_metric="dcf")) == (0, 1, 0.1)
    assert scoring.choose_setting(dcf, ScoreConfig(tune_metric="dcf", tune_rule="plateau", tune_margin=0.05)) \
        == (1, 1, 0.1)
    assert scoring.choose_setting([[None, None]], plateau) is None
    for bad in ({"tune_rule": "median"}, {"tune_margin": -0.1}, {"tune_margin": "small"}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            ScoreConfig(**bad)


def test_plateau_rule_is_recorded_with_the_tuned_scores(sets, tmp_path):
    dev = fake_decode(sets["dev"], tmp_path / "sys/decode_dev", noise=0.3)
    test = fake_decode(sets["test"], tmp_path / "sys/decode_test", noise=0.3, seed=1)
    cfg = ScoreConfig(bootstrap_resamples=50, tune_step=0.05, max_frame_shift=0, tune_rule="plateau",
                      tune_margin=0.02)
    t = scoring.tune_threshold(sets["dev"], dev, cfg)
    assert t["rule"] == "plateau" and t["best_value"] - 0.02 <= t["value"] <= t["best_value"]
    m = scoring.score(sets["test"], test, cfg, tune_on=(sets["dev"], dev))["tuned"]
    assert m["rule"] == "plateau" and m["threshold"] == t["threshold"]
    assert "middle of the longest run of thresholds within 0.02" in m["threshold_source"]
    assert scoring.score(sets["test"], test, FAST, tune_on=(sets["dev"], dev))["tuned"]["rule"] == "best"


def test_compare_tune_rules_counts_each_left_out_recording_at_the_others_choice(sets, tmp_path, monkeypatch, capsys):
    from conftest import run_script
    data = sets["dev"].parent
    for name, noise in (("sharp", 0.05), ("noisy", 0.45)):
        fake_decode(sets["dev"], tmp_path / name / "decode_dev", noise=noise)
    conf = tmp_path / "score.yaml"
    conf.write_text("tune_step: 0.05\n")
    status, out = run_script(monkeypatch, capsys, "local/compare_tune_rules.py", "--config", conf, "--data", data,
                             "--sets", "dev test_absent", "--margins", "0.01 0.05", tmp_path / "sharp",
                             tmp_path / "noisy", stream="out")
    assert status == 0
    rows = {line.split()[0].rsplit("/", 1)[-1]: [float(v) for v in line.split()[2:]]
            for line in out.splitlines() if line.startswith(str(tmp_path))}
    assert set(rows) == {"sharp", "noisy"} and all(len(v) == 3 for v in rows.values())   # best + two margins
    assert rows["sharp"][0] > rows["noisy"][0] > 0.5          # held-out F1s that mean something
    dec = scoring.load_decoded(sets["dev"], tmp_path / "noisy" / "decode_dev")
    counts = scoring.sweep_counts(dec, ScoreConfig(tune_step=0.05))[2]
    n = len(dec.rec_ids)                                       # the same by hand for one rule
    total = np.zeros(4)
    for i in range(n):
        rest = [k for k in range(n) if k != i]
        a, b, _ = scoring.choose_setting([[scoring.pooled(c[rest])["f1"] for c in row] for row in counts],
                                         ScoreConfig(tune_step=0.05))
        total += counts[a][b][i]
    tn, fp, fn, tp = total
    assert rows["noisy"][0] == pytest.approx(2 * tp / (2 * tp + fp + fn), abs=1e-4)
    assert "mean over 2 rows" in out
    status, err = run_script(monkeypatch, capsys, "local/compare_tune_rules.py", "--data", data, "--sets", "test",
                             tmp_path / "sharp")
    assert status == 1 and err.strip().endswith("decode them first (stage 4)")
    status, err = run_script(monkeypatch, capsys, "local/compare_tune_rules.py", "--data", data, "--margins", "2",
                             tmp_path / "sharp")
    assert status == 1 and "--margins" in err and "tune_margin" in err


def test_frame_shift_finds_the_latency(sets, tmp_path):
    out = fake_decode(sets["test"], tmp_path / "late/decode_test", noise=0.1, delay=3)
    m = scoring.score(sets["test"], out, FAST)
    s = m["shift_search"]
    assert s["best_shift_frames"] == -3 and s["best_shift_ms"] == pytest.approx(-30)
    assert s["at_best"]["f1"] > s["at_zero"]["f1"] == pytest.approx(m["f1"])
    realigned = scoring.score(sets["test"], out, FAST, frame_shift=-3)
    assert realigned["frame_shift"] == -3 and realigned["f1"] == pytest.approx(s["at_best"]["f1"])
    assert realigned["f1"] > 0.99 and realigned["der"] == m["der"] == 0  # 30 ms: inside the 0.25 s collar
    no_collar = ScoreConfig(bootstrap_resamples=10, max_frame_shift=0, collar_s=0.0)
    late, aligned = (scoring.score(sets["test"], out, no_collar, frame_shift=k)["segment"] for k in (0, -3))
    assert aligned["der"] < 0.01 < late["der"] and late["total_s"] == aligned["total_s"]


@pytest.mark.badinput
def test_compare_seeds_and_curves(sets, tmp_path):
    good = fake_decode(sets["test"], tmp_path / "good/decode_test", noise=0.2, seed=1).parent
    bad = fake_decode(sets["test"], tmp_path / "bad/decode_test", noise=0.5, seed=2).parent
    for e in (good, bad):
        scoring.score(sets["test"], e / "decode_test", FAST)
    rows = {r["metric"].split()[0]: r for r in report.compare(good, bad, FAST)}
    assert set(rows) == {"f1", "roc_auc", "dcf"}           # not tuned: no tuned_f1 row
    for e in (good, bad):                                   # tuned on test itself: only to have tuned counts
        scoring.score(sets["test"], e / "decode_test", FAST, tune_on=(sets["test"], e / "decode_test"))
    rows = {r["metric"].split()[0]: r for r in report.compare(good, bad, FAST)}
    assert set(rows) == {"f1", "roc_auc", "dcf", "tuned_f1"}
    tuned = [io.read_json(e / "decode_test/scoring/metrics.json")["tuned"]["f1"] for e in (good, bad)]
    assert rows["tuned_f1"]["A-B"] == pytest.approx(tuned[0] - tuned[1]) and rows["tuned_f1"]["A-B"] > 0
    lo, hi = rows["tuned_f1"]["ci95"]
    assert lo <= rows["tuned_f1"]["A-B"] <= hi
    assert rows["f1"]["A-B"] > 0 and rows["f1"]["ci95"][0] > 0 and rows["f1"]["differs"] == "yes"
    assert rows["dcf"]["A-B"] < 0 and rows["dcf"]["ci95"][1] < 0
    assert rows["f1"]["p"] == "<0.005"  # no resample of 200 crossed 0
    same = {r["metric"].split()[0]: r for r in report.compare(good, good, FAST)}
    assert same["f1"]["A-B"] == 0 and same["f1"]["ci95"] == [0, 0] and same["f1"]["differs"] == "no"
    (tmp_path / "nothing").mkdir()
    with pytest.raises(InputError, match="no set scored for both"):
        report.compare(good, tmp_path / "nothing", FAST)
    with pytest.raises(InputError, match="gooood: no such exp dir"):
        report.compare(tmp_path / "gooood", good, FAST)
    # seeds: mean ± std over <model>_seed<k>
    for k, noise in ((1, 0.2), (2, 0.3)):
        e = tmp_path / f"m_seed{k}"
        scoring.score(sets["test"], fake_decode(sets["test"], e / "decode_test", noise=noise, seed=k), FAST)
    rows, _ = report.summary_rows([good, bad, tmp_path / "m_seed1", tmp_path / "m_seed2"])
    merged = {r["model"]: r for r in report.seed_rows(rows)}
    assert set(merged) == {"good", "bad", "m_seed*(2)"}
    f1s = [r["f1"] for r in rows if r["model"].startswith("m_seed")]
    assert merged["m_seed*(2)"]["f1"] == f"{np.mean(f1s):.4f}±{np.std(f1s, ddof=1):.4f}"
    table = report.format_table(report.seed_rows(rows))
    assert "m_seed*(2)" in table and "±" in table
    # curves: both systems on one figure per set
    curves = report.set_curves([good, bad])
    assert set(curves) == {"test"} and set(curves["test"]) == {"good", "bad"}
    c = curves["test"]["good"]
    assert c["tpr"][0] == 0 and c["tpr"][-1] == 1 and c["fpr"][-1] == 1 and 0.3 < c["speech_ratio"] < 0.7
    auc = io.read_json(good / "decode_test/scoring/metrics.json")["roc_auc"]
    assert np.trapezoid(c["tpr"], c["fpr"]) == pytest.approx(auc, abs=1e-3)


@pytest.mark.badinput
def test_summary_and_compare_refuse_a_missing_exp_dir_a_corrupt_stats_file_and_no_rows(sets, tmp_path):
    import subprocess
    import sys

    from conftest import ROOT
    a = fake_decode(sets["test"], tmp_path / "exp/a/decode_test", seed=3)
    scoring.score(sets["test"], a, FAST)
    (tmp_path / "exp/b").mkdir()

    def score_py(*args):
        p = subprocess.run([sys.executable, str(ROOT / "local/score.py"), *map(str, args)], capture_output=True,
                           text=True, check=False, cwd=tmp_path)
        return p.returncode, p.stdout, p.stderr.strip().splitlines()[-1] if p.stderr.strip() else ""
    rc, out, err = score_py("exp/a", "exp/b")                     # b has no decodes: a warning, a's row
    assert rc == 0 and out.splitlines()[1].split()[:2] == ["test", "a"] and "exp/b: no scored decodes" in err
    typo = "score.py: error: exp/blsmt: no such exp dir; check its name (ls exp/)"
    assert score_py("exp/a", "exp/blsmt") == (1, "", typo)
    err = "score.py: error: exp/b: no scored decodes (decode_<set>/scoring/metrics.json); score them first " \
          "(steps/score.py; stage 5)"
    assert score_py("exp/b") == (1, "", err)
    stats = a / "scoring" / scoring.STATS
    stats.write_bytes(stats.read_bytes()[:200])                   # cut short, as by a full disk
    rc, out, err = score_py("--config", ROOT / "conf/score.yaml", "--compare", "exp/a", "exp/a")
    assert rc == 1 and err.startswith(f"score.py: error: {stats.relative_to(tmp_path)}: unreadable (")
    assert err.endswith("); re-run scoring (steps/score.py; stage 5) for exp/a/decode_test")


@pytest.mark.badinput
def test_score_cli_and_plot_cli(sets, tmp_path, capsys):
    import importlib.util

    from conftest import ROOT

    def load(rel):
        spec = importlib.util.spec_from_file_location(rel.replace("/", "_")[:-3], ROOT / rel)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod

    a = fake_decode(sets["test"], tmp_path / "exp/a/decode_test", seed=3).parent
    b = fake_decode(sets["test"], tmp_path / "exp/b/decode_test", noise=0.45, seed=4).parent
    cfg = tmp_path / "score.yaml"
    cfg.write_text("bootstrap_resamples: 100\ntune_step: 0.1\nmax_frame_shift: 2\n")
    dev = fake_decode(sets["dev"], tmp_path / "exp/a/decode_dev", seed=5)
    score = load("steps/score.py")
    score.main(["--config", str(cfg), "--tune-on", str(sets["dev"]), str(dev), str(sets["test"]), str(a / "decode_test")])
    score.main(["--config", str(cfg), str(sets["test"]), str(b / "decode_test")])
    assert "tuned" in io.read_json(a / "decode_test/scoring/metrics.json")
    summary = load("local/score.py")
    (tmp_path / "exp/none").mkdir()
    summary.main([str(a), str(b), str(tmp_path / "exp/none")])    # a system without scores: a warning
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["set", "model", *report.DEFAULT_COLUMNS] and len(report.DEFAULT_COLUMNS) == 10
    assert [line.split()[1] for line in out[1:]] == ["a", "b"]
    summary.main(["--columns", "all", str(a)])
    assert capsys.readouterr().out.splitlines()[0].split() == ["set", "model", *report.COLUMN_NAMES]
    summary.main(["--columns", "f1 der tuned_f1", str(a), str(b)])
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["set", "model", "f1", "der", "tuned_f1"]
    assert {r.split()[1]: r.split()[4] != "-" for r in out[1:]} == {"a": True, "b": False}  # only a was tuned
    with pytest.raises(SystemExit):
        summary.main(["--columns", "f1,nope", str(a)])  # the old commas: still read
    assert "unknown column(s) nope" in capsys.readouterr().err
    summary.main(["--config", str(cfg), "--compare", str(a), str(b)])
    out = capsys.readouterr().out
    assert "A-B" in out and "f1 (higher is better)" in out
    load("local/plot_curves.py").main([str(a), str(b), str(tmp_path / "plots")])
    assert (tmp_path / "plots/curves_test.png").is_file()
    with pytest.raises(InputError, match="a scored system, not an output folder"):  # the old form, without one
        load("local/plot_curves.py").main([str(a), str(b)])
    assert not list(b.glob("curves_*"))
    with pytest.raises(InputError, match="tune_metric must be f1 or dcf"):
        cfg.write_text("tune_metric: auc\n")
        score.main(["--config", str(cfg), str(sets["test"]), str(b / "decode_test")])


def noise_set(root, n=3, dur_s=6.0, seed=0, out=None):
    """A data dir of noise alone (root/data, or `out`): n recordings of dur_s, an empty rttm."""
    from vadkit.data import datadir
    rng = np.random.default_rng(seed)
    wavs = {}
    for i in range(n):
        wavs[f"noise{i}"] = str(root / "wav" / f"noise{i}.wav")
        io.write_wav(wavs[f"noise{i}"], 0.05 * rng.standard_normal(int(dur_s * 16000)).astype(np.float32), 16000)
    datadir.write_data_dir(out or root / "data", wavs, {k: [] for k in wavs})
    return out or root / "data"


def fake_noise_decode(data_dir, decode_dir, profile, threshold=0.5):
    """A decode of a noise-only set whose P(speech) over each recording is profile(t), t in [0, 1)."""
    d = load_data_dir(data_dir)
    cfg = DecodeConfig(threshold=threshold)
    probs = {}
    for r in d.rec_ids:
        n = GRID.n_frames_for_duration(d.durations_s[r])
        probs[r] = np.clip(profile(np.arange(n) / n), 0, 1).astype(np.float32)
    decoding.write_probs(decode_dir, probs, "ark")
    io.write_rttm(decode_dir / "hyp.rttm", {r: probs_to_segments(p, cfg, GRID, d.durations_s[r]) for r, p in probs.items()})
    feats = yaml.safe_dump({"features": config.to_dict(FeatureConfig())})
    io.write_text(decode_dir / "decode.yaml", yaml.safe_dump({"decode": config.to_dict(cfg), "data_cache": feats}))
    return decode_dir


def test_noise_alone_keeps_the_tuned_setting_from_calling_it_speech(sets, tmp_path):
    dev = fake_decode(sets["dev"], tmp_path / "sys/decode_dev", noise=0.3)
    test = fake_decode(sets["test"], tmp_path / "sys/decode_test", noise=0.3, seed=1)
    noise = noise_set(tmp_path / "noise")
    # the first half of every noise recording sits at 0.55: a threshold of 0.55 or below calls half of it speech
    loud = fake_noise_decode(noise, tmp_path / "sys/decode_dev_noise", lambda t: np.where(t < 0.5, 0.55, 0.1))
    cfg = dataclasses.replace(FAST, tune_noise_max=0.05)
    free = scoring.tune_threshold(sets["dev"], dev, cfg)
    assert free["threshold"] <= 0.55 and "noise" not in free     # the cap binds: the best F1 alone lies below
    capped = scoring.tune_threshold(sets["dev"], dev, cfg, (noise, loud))
    assert capped["threshold"] > 0.55 and capped["noise"]["met"] and capped["noise"]["share"] <= 0.05
    assert capped["value"] < free["value"]                       # it costs dev F1: that is the trade
    shares = scoring.noise_shares(scoring.load_decoded(sets["dev"], dev), noise, loud, cfg)
    thresholds = scoring.sweep_counts(scoring.load_decoded(noise, loud), cfg)[0]
    assert shares[0][thresholds.index(0.5)] == pytest.approx(0.5, abs=0.02) and shares[0][-1] == 0.0
    # without tune_noise_max the noise set changes nothing
    assert scoring.tune_threshold(sets["dev"], dev, FAST, (noise, loud))["threshold"] == free["threshold"]
    m = scoring.score(sets["test"], test, cfg, tune_on=(sets["dev"], dev), tune_noise=(noise, loud))["tuned"]
    assert m["threshold"] == capped["threshold"] and m["noise"]["share"] == capped["noise"]["share"]
    assert "at most 5.0% of" in m["threshold_source"] and str(noise) in m["threshold_source"]
    # no setting reaches the cap (P rises from 0.5 to 1 over each recording): those calling the least compete
    ramp = fake_noise_decode(noise, tmp_path / "ramp/decode_dev_noise", lambda t: 0.5 + 0.5 * t)
    least = scoring.tune_threshold(sets["dev"], dev, cfg, (noise, ramp))
    assert least["threshold"] == thresholds[-1] and not least["noise"]["met"]
    m = scoring.score(sets["test"], test, cfg, tune_on=(sets["dev"], dev), tune_noise=(noise, ramp))["tuned"]
    assert "none reaches tune_noise_max" in m["threshold_source"]


@pytest.mark.badinput
def test_a_noise_set_for_tuning_must_be_noise_decoded_alike(sets, tmp_path):
    dev = fake_decode(sets["dev"], tmp_path / "sys/decode_dev", noise=0.3)
    cfg = dataclasses.replace(FAST, tune_noise_max=0.05)
    speechy = fake_decode(sets["test"], tmp_path / "sys/decode_test", noise=0.3)
    with pytest.raises(InputError, match="has speech regions; the noise set for tuning"):
        scoring.tune_threshold(sets["dev"], dev, cfg, (sets["test"], speechy))
    noise = noise_set(tmp_path / "noise")
    other = fake_noise_decode(noise, tmp_path / "sys/decode_dev_noise", lambda t: 0.2 + 0 * t, threshold=0.7)
    with pytest.raises(InputError, match="decoded with other post-processing \\(threshold\\)"):
        scoring.tune_threshold(sets["dev"], dev, cfg, (noise, other))
    with pytest.raises(InputError, match="no finished decode"):
        scoring.tune_threshold(sets["dev"], dev, cfg, (noise, tmp_path / "absent"))
    with pytest.raises(InputError, match="needs the dev set it goes with"):
        scoring.score(sets["dev"], dev, cfg, tune_noise=(noise, other))
    for bad in (1.5, -0.1, "5%", True):
        with pytest.raises(ValueError, match="tune_noise_max must be null or lie in"):
            ScoreConfig(tune_noise_max=bad)


@pytest.mark.badinput
def test_score_cli_takes_a_noise_set_only_with_a_dev_set(sets, tmp_path, monkeypatch, capsys):
    from conftest import run_script
    dev = fake_decode(sets["dev"], tmp_path / "sys/decode_dev", noise=0.3)
    noise = noise_set(tmp_path / "noise")
    quiet = fake_noise_decode(noise, tmp_path / "sys/decode_dev_noise", lambda t: 0.1 + 0 * t)
    status, err = run_script(monkeypatch, capsys, "steps/score.py", "--tune-noise", noise, quiet, sets["dev"], dev)
    assert status == 2 and "--tune-noise needs --tune-on" in err
    conf = tmp_path / "score.yaml"
    conf.write_text("tune_step: 0.05\nbootstrap_resamples: 20\ntune_noise_max: 0.05\n")
    status, err = run_script(monkeypatch, capsys, "steps/score.py", "--config", conf, "--tune-on", sets["dev"], dev,
                             "--tune-noise", noise, quiet, sets["dev"], dev)
    assert status == 0, err
    assert io.read_json(dev / "scoring" / "metrics.json")["tuned"]["noise"]["share"] == 0.0
    status, out = run_script(monkeypatch, capsys, "local/score.py", "--columns", "tuned_thr tuned_noise",
                             tmp_path / "sys", stream="out")
    header, row = out.splitlines()[0].split(), out.splitlines()[1].split()
    assert status == 0 and header[-1] == "tuned_noise" and float(row[-1]) == 0.0


@pytest.mark.badinput
def test_compare_tune_rules_bounds_best_by_the_noise_set(sets, tmp_path, monkeypatch, capsys):
    from conftest import run_script
    data = tmp_path / "data"
    data.mkdir()
    for s in ("dev", "test"):
        (data / s).symlink_to(sets[s])
    noise = noise_set(tmp_path / "noise", out=data / "dev_noise")
    fake_decode(sets["dev"], tmp_path / "sys" / "decode_dev", noise=0.3)
    conf = tmp_path / "score.yaml"
    conf.write_text("tune_step: 0.05\n")
    args = ["local/compare_tune_rules.py", "--config", conf, "--data", data, "--sets", "dev", "--margins", "",
            "--noise-caps", "0.05", tmp_path / "sys"]
    status, err = run_script(monkeypatch, capsys, *args)
    assert status == 1 and "decode_dev_noise: not decoded; --noise-caps needs the noise-only dev set" in err
    fake_noise_decode(noise, tmp_path / "sys" / "decode_dev_noise", lambda t: np.where(t < 0.5, 0.55, 0.1))
    status, out = run_script(monkeypatch, capsys, *args, stream="out")
    assert status == 0
    row = next(line.split() for line in out.splitlines() if line.startswith(str(tmp_path / "sys")))
    assert len(row) == 4 and float(row[3]) < float(row[2])      # best, then bounded: the bound costs dev F1 here
    assert re.search(r"best .*; noise (4[5-9]|5[0-5])\.\d%", out)             # half the noise at the best setting
    assert re.search(r"noise<=0.05 .*; noise 0\.0%", out)
