"""Public VAD baselines: the grid rule by hand, and runs on a tiny generated set in our decode layout.

The optional packages (requirements-baselines.txt) are skipped with a reason when missing; CI
installs them (.ci/run), so there every baseline runs.
"""
from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest
import yaml

from vadkit import io
from vadkit.bench import baselines
from vadkit.bench.baselines import NativeScores, to_grid
from vadkit.config import BaselineConfig, DecodeConfig, FeatureConfig
from vadkit.decode import decoding
from vadkit.errors import InputError
from vadkit.eval import report, scoring
from vadkit.features import cache
from vadkit.features.grid import FrameGrid

from builders import make_toy_data_dir
from conftest import copy_recipe

GRID = FrameGrid()
TOY_CFG = BaselineConfig(energy_floor_percentile=10, energy_margin_db=6)  # explicit: tests never follow tuning
OPTIONAL = {"webrtc0": "webrtcvad", "webrtc3": "webrtcvad", "silero": "silero_vad", "ten": "ten_vad"}


def test_grid_rule_nearest_native_centre():
    # 30 ms frames centred at 15, 45, 75 ms; our centres 12.5, 22.5, ..., 92.5 ms
    native = NativeScores(np.array([0.1, 0.2, 0.3], np.float32), hop_s=0.030, win_s=0.030)
    got = to_grid(native, GRID, 9)
    #           12.5 22.5 32.5 42.5 52.5 62.5 72.5 82.5 92.5 (ms) -> nearest of 15/45/75, past the end: last
    assert got.tolist() == pytest.approx([0.1, 0.1, 0.2, 0.2, 0.2, 0.3, 0.3, 0.3, 0.3])
    # 20 ms frames centred at 10, 30 ms: our 20 ms point is a tie between them -> the earlier; none before 0
    tie = to_grid(NativeScores(np.array([1.0, 0.0], np.float32), 0.020, 0.020), FrameGrid(0.020, 0.010), 3)
    assert tie.tolist() == [1.0, 1.0, 0.0]  # centres 10 (-> 10), 20 (tie 10|30 -> 10), 30 ms
    # a native grid equal to ours maps frame k to frame k
    same = NativeScores(np.arange(50, dtype=np.float32), GRID.hop_s, GRID.win_s)
    assert to_grid(same, GRID, 50).tolist() == list(range(50))
    assert to_grid(NativeScores(np.zeros(0, np.float32), 0.03, 0.03), GRID, 4).tolist() == [0, 0, 0, 0]


def test_energy_scores_loud_frames_higher():
    x = np.zeros(8000, np.float32)
    x[:4000] = 0.001 * np.random.default_rng(0).standard_normal(4000)
    x[4000:] = 0.1 * np.sin(np.arange(4000) * 0.3)
    p = baselines.make("energy", TOY_CFG, GRID).probs(x, 8000)
    assert len(p) == GRID.n_frames(8000, 8000) == 98
    assert p[:35].max() < 0.1 and p[-35:].min() > 0.99  # noise sits at its floor: P = 1/(1+e^3)


@pytest.mark.badinput
def test_unknown_baseline_and_missing_package_are_named():
    with pytest.raises(InputError, match="unknown baseline 'vad9'; choose from energy, webrtc0"):
        baselines.make("vad9", BaselineConfig(), GRID)
    with pytest.raises(InputError, match="package ten-vad is not installed.*requirements-baselines.txt"):
        baselines._import("no_such_module_here", "ten")


@pytest.fixture(scope="module")
def toy_set(tmp_path_factory):
    d = make_toy_data_dir(tmp_path_factory.mktemp("bl") / "dev", 2, dur_s=4.0, seed=3)
    cache.make_part(d, FeatureConfig(), "ark")
    cache.merge_parts(d, FeatureConfig(), "ark")
    return d


@pytest.mark.parametrize("name", ["energy", *OPTIONAL])
def test_baseline_writes_our_decode_layout(name, toy_set, tmp_path):
    if name in OPTIONAL:
        pytest.importorskip(OPTIONAL[name], reason=f"optional baseline package for {name} not installed "
                            "(pip install -r requirements-baselines.txt)")
    out = tmp_path / f"baseline_{name}" / "decode_dev"
    cfg = DecodeConfig(threshold=0.5, median_frames=3)
    assert baselines.decode(name, toy_set, out, cfg, TOY_CFG)
    probs = decoding.read_probs(out)
    feats, _, _ = cache.load(toy_set)
    assert {k: len(v) for k, v in probs.items()} == {k: len(v) for k, v in feats.items()}
    assert all(v.dtype == np.float32 and v.min() >= 0 and v.max() <= 1 for v in probs.values())
    sig = yaml.safe_load((out / "decode.yaml").read_text())
    assert sig["baseline"]["name"] == name and sig["decode"]["threshold"] == 0.5
    m = scoring.score(toy_set, out)  # scored exactly as a model's decode dir
    assert m["n_frames"] == sum(map(len, probs.values())) and (out / "scoring/metrics.json").is_file()
    if name == "energy":  # the toy 'speech' bursts are 26 dB above the noise: energy finds them
        assert m["f1"] > 0.9
    assert not baselines.decode(name, toy_set, out, cfg, TOY_CFG)  # up to date: skipped
    rows, _ = report.summary_rows([out.parent])
    assert [(r["model"], r["set"]) for r in rows] == [(f"baseline_{name}", "dev")]


@pytest.mark.badinput
def test_decode_needs_the_feature_cache(tmp_path):
    d = make_toy_data_dir(tmp_path / "raw", 1, dur_s=2.0)
    with pytest.raises(InputError, match=r"raw: no feature cache \(feats.yaml missing\); run stage 2"):
        baselines.decode("energy", d, tmp_path / "out", DecodeConfig(), BaselineConfig())
    assert not (tmp_path / "out" / "hyp.rttm").exists()


def test_run_baselines_sh(toy_set, tmp_path):
    """The shell driver in a copy of the recipe: energy runs, an unknown set is skipped, the table prints."""
    r = copy_recipe(tmp_path / "recipe")
    shutil.copytree(toy_set, r / "data" / "dev", symlinks=True)
    p = subprocess.run(["local/run_baselines.sh", "--baselines", "energy", "--sets", "dev ami_dev"], cwd=r,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "skipping data/ami_dev: no feature cache" in p.stdout
    assert (r / "exp/baseline_energy/decode_dev/scoring/metrics.json").is_file()
    assert (r / "exp/baseline_energy/log/decode_dev.log").is_file()
    assert any(line.split()[:2] == ["dev", "baseline_energy"] for line in p.stdout.splitlines()), p.stdout
    io.read_json(r / "exp/baseline_energy/decode_dev/scoring/metrics.json")


def test_baselines_hear_the_original_rate_and_say_so(tmp_path, monkeypatch):
    """A 16 kHz folder prepared at 8 kHz: orig.scp keeps the 16 kHz files; Silero runs on them at 16 kHz
    (not on the 8 kHz copy) and the score table says so; our models' rows say the features' rate."""
    pytest.importorskip("silero_vad", reason="optional baseline package (pip install -r requirements-baselines.txt)")
    from vadkit.corpora import folders
    from vadkit.data.datadir import load_data_dir, validate_data_dir
    src = make_toy_data_dir(tmp_path / "src16", 2, dur_s=3.0, seed=4, sr=16000)
    d = tmp_path / "data/eval_x"
    folders.prepare_folder(src / "wav", d, 8000, labels_file=str(src / "rttm"))
    dd = validate_data_dir(d, 8000)
    assert sorted(dd.originals) == dd.rec_ids and all(io.audio_info(p)[0] == 16000 for p in dd.originals.values())
    assert all(io.audio_info(p)[0] == 8000 for p in dd.wavs.values())
    cache.make_part(d, FeatureConfig(), "ark")
    cache.merge_parts(d, FeatureConfig(), "ark")
    heard, real_native = [], baselines.Silero.native
    monkeypatch.setattr(baselines.Silero, "native", lambda self, x, rate_hz: heard.append((rate_hz, len(x)))
                        or real_native(self, x, rate_hz))
    out = tmp_path / "exp/baseline_silero/decode_eval_x"
    baselines.decode("silero", d, out, DecodeConfig(), BaselineConfig())
    assert heard == [(16000, 48000)] * 2
    sig = yaml.safe_load((out / "decode.yaml").read_text())
    assert sig["baseline"]["read"] == "orig.scp" and sig["baseline"]["run_rates_hz"] == [16000]
    assert report.rate_of(out) == "16k"
    (d / "orig.scp").unlink()   # without it: the recipe's copy, and the signature changes, so it decodes again
    assert baselines.decode("silero", d, out, DecodeConfig(), BaselineConfig())
    assert report.rate_of(out) == "8k" and load_data_dir(d).originals == {}
