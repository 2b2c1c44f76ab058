"""The level sweep (vadkit/bench/robustness.py, local/level_sweep.py) on a tiny generated labelled set."""
from __future__ import annotations

import numpy as np
import pytest

from vadkit.bench import robustness
from vadkit.errors import InputError

from builders import make_toy_data_dir


class EnergyVad:
    """A stand-in VAD whose decision is absolute level (-30 dBFS): robust to nothing, so the sweep must show it."""
    def run(self, x, rate, name=None):
        from vadkit.tool.vad import VadResult
        hop = rate // 100
        n = (len(x) - rate // 40) // hop + 1
        p = np.array([np.sqrt(np.mean(x[i * hop:i * hop + rate // 40] ** 2)) > 10 ** (-30 / 20) for i in range(n)],
                     np.float32)
        edges = np.flatnonzero(np.diff(np.r_[0, p, 0]))
        segs = [(s * 0.01, e * 0.01) for s, e in zip(edges[::2], edges[1::2])]
        return VadResult(name, rate, len(x) / rate, 0.01, segs, p)


def test_sweep_shows_a_level_bound_vad_breaking(tmp_path):
    d = make_toy_data_dir(tmp_path / "lab", 2, dur_s=4.0, seed=2)
    rows = {r["gain_db"]: r for r in robustness.level_sweep(EnergyVad(), d, (-40, 0, 20))}
    assert set(rows) == {-40.0, 0.0, 20.0}
    assert rows[0.0]["agreement"] == 1.0 and rows[0.0]["f1"] > 0.8
    assert rows[-40.0]["speech_share"] < rows[0.0]["speech_share"] and rows[-40.0]["agreement"] < 1.0
    assert rows[20.0]["clipped"] > rows[0.0]["clipped"]


@pytest.mark.badinput
def test_sweep_needs_labels(tmp_path):
    d = make_toy_data_dir(tmp_path / "lab", 1, dur_s=2.0)
    (d / "rttm").unlink()
    with pytest.raises(InputError, match="no rttm"):
        robustness.level_sweep(EnergyVad(), d)


def test_false_alarms_count_regions_on_noise(tmp_path):
    from vadkit import io
    rng = np.random.default_rng(0)
    quiet = (0.001 * rng.standard_normal(8000 * 6)).astype(np.float32)
    bursts = quiet.copy()
    bursts[8000:12000] += 0.5 * np.sin(np.arange(4000) * 0.3).astype(np.float32)   # one loud 0.5 s noise burst
    io.write_wav(tmp_path / "a.wav", quiet, 8000)
    io.write_wav(tmp_path / "b.wav", bursts, 8000)
    r = robustness.false_alarms(lambda x, rate, f: EnergyVad().run(x, rate).segments,
                                [str(tmp_path / "a.wav"), str(tmp_path / "b.wav")])
    assert r["hours"] == pytest.approx(12 / 3600)
    assert r["fa_per_hour"] == pytest.approx(1 / (12 / 3600)) and 0.03 < r["speech_share"] < 0.06
    energy = robustness.false_alarms(robustness.system("energy"), [str(tmp_path / "a.wav")])
    assert energy["hours"] == pytest.approx(6 / 3600)


def test_noise_false_alarms_tuned_takes_the_sets_tuned_post_processing(tmp_path, monkeypatch, capsys):
    """--tuned SET reads exp/<model>/decode_SET/scoring/metrics.json: a tuned threshold of 0 calls all the
    noise speech where conf/decode.yaml's calls less; a set never scored is one clear error naming the file."""
    from builders import make_model_dir
    from conftest import run_script

    from vadkit import io
    rng = np.random.default_rng(1)
    io.write_wav(tmp_path / "noise.wav", (0.05 * rng.standard_normal(8000 * 5)).astype(np.float32), 8000)
    model = make_model_dir(tmp_path / "exp/m")
    io.write_json(model / "decode_x/scoring/metrics.json",
                  {"tuned": {"threshold": 0.0, "postprocess": {"min_speech_ms": 0, "min_silence_ms": 0}}})
    script = ("local/noise_false_alarms.py", "--systems", str(model), "--tuned")
    share = lambda out: float(out.splitlines()[-1].split()[-1].rstrip("%"))
    code, out = run_script(monkeypatch, capsys, *script, "x", str(tmp_path / "noise.wav"), stream="out")
    assert code == 0 and (tuned := share(out)) > 99
    code, err = run_script(monkeypatch, capsys, *script, "ami_dev", str(tmp_path / "noise.wav"))
    assert code != 0 and "decode_ami_dev/scoring/metrics.json: not found" in err
    code, out = run_script(monkeypatch, capsys, *script[:-1], str(tmp_path / "noise.wav"), stream="out")
    assert code == 0 and share(out) < tuned - 1, out   # conf/decode.yaml's threshold: less of it


def test_noise_false_alarms_tuned_baseline_dir_takes_its_own_setting(tmp_path, monkeypatch, capsys):
    """A public VAD's stage-5 exp dir (exp/baseline_<name>) runs that VAD at the setting --tuned SET chose for it,
    not --config's: its tuned threshold of 0 calls all the noise speech, the name alone calls less."""
    from conftest import run_script

    from vadkit import io
    rng = np.random.default_rng(2)
    io.write_wav(tmp_path / "noise.wav", (0.05 * rng.standard_normal(8000 * 5)).astype(np.float32), 8000)
    base = tmp_path / "exp/baseline_energy"
    io.write_json(base / "decode_x/scoring/metrics.json",
                  {"tuned": {"threshold": 0.0, "postprocess": {"min_speech_ms": 0, "min_silence_ms": 0}}})
    shares = {}
    for system in (str(base), "energy"):
        code, out = run_script(monkeypatch, capsys, "local/noise_false_alarms.py", "--tuned", "x", "--systems",
                               system, str(tmp_path / "noise.wav"), stream="out")
        assert code == 0, out
        shares[system] = float(out.splitlines()[-1].split()[-1].rstrip("%"))
    assert shares[str(base)] > 99 and shares["energy"] < shares[str(base)] - 1, shares


def test_noise_false_alarms_runs_public_vads_with_baseline_config(tmp_path, monkeypatch, capsys):
    """The public VADs run with --baseline-config (as stage 5 ran them): an energy margin 20 dB below the noise
    floor calls all the noise speech, conf/baselines.yaml's margin less."""
    from conftest import run_script

    from vadkit import io
    rng = np.random.default_rng(3)
    io.write_wav(tmp_path / "noise.wav", (0.05 * rng.standard_normal(8000 * 5)).astype(np.float32), 8000)
    (tmp_path / "low.yaml").write_text("energy_margin_db: -20\n")
    shares = {}
    for cfg in ("conf/baselines.yaml", str(tmp_path / "low.yaml")):
        code, out = run_script(monkeypatch, capsys, "local/noise_false_alarms.py", "--baseline-config", cfg,
                               "--systems", "energy", str(tmp_path / "noise.wav"), stream="out")
        assert code == 0, out
        shares[cfg] = float(out.splitlines()[-1].split()[-1].rstrip("%"))
    assert shares[str(tmp_path / "low.yaml")] > 99 and shares["conf/baselines.yaml"] < 99, shares


def test_noise_false_alarms_at_recall_takes_the_recall_threshold(tmp_path, monkeypatch, capsys):
    """--at-recall 95 keeps the tuned post-processing but takes metrics.json's threshold_at_recall_95: tuned at 0
    all the noise is speech, at a recall threshold of 1 (above the model's probabilities here) none of it; the
    files may come from a list (a name with a space in it); --at-recall without --tuned and a set without the
    threshold are errors."""
    from builders import make_model_dir
    from conftest import run_script

    from vadkit import io
    rng = np.random.default_rng(4)
    io.write_wav(tmp_path / "a noise.wav", (0.05 * rng.standard_normal(8000 * 5)).astype(np.float32), 8000)
    (tmp_path / "noises").write_text(f"{tmp_path / 'a noise.wav'}\n\n")
    model = make_model_dir(tmp_path / "exp/m")
    tuned = {"threshold": 0.0, "postprocess": {"min_speech_ms": 0, "min_silence_ms": 0}}
    io.write_json(model / "decode_x/scoring/metrics.json", {"tuned": tuned, "threshold_at_recall_95": 1.0})
    io.write_json(model / "decode_y/scoring/metrics.json", {"tuned": tuned, "threshold_at_recall_95": None})
    script = ("local/noise_false_alarms.py", "--systems", str(model), "--files-from", str(tmp_path / "noises"))
    share = lambda out: float(out.splitlines()[-1].split()[-1].rstrip("%"))
    code, out = run_script(monkeypatch, capsys, *script, "--tuned", "x", stream="out")
    assert code == 0 and share(out) > 99, out
    code, out = run_script(monkeypatch, capsys, *script, "--tuned", "x", "--at-recall", "95", stream="out")
    assert code == 0 and share(out) == 0.0, out
    code, err = run_script(monkeypatch, capsys, *script, "--at-recall", "95")
    assert code != 0 and "--at-recall needs --tuned" in err
    code, err = run_script(monkeypatch, capsys, *script, "--tuned", "y", "--at-recall", "95")
    assert code != 0 and "no threshold_at_recall_95" in err
    code, err = run_script(monkeypatch, capsys, *script[:3], "--files-from", str(tmp_path / "absent"))
    assert code != 0 and "absent: no such list" in err


def test_level_sweep_compares_models_and_public_vads(tmp_path, monkeypatch, capsys):
    """--systems takes public VADs beside models: each gets its own table; the energy VAD, bound to level,
    calls less speech at -40 dB; --model and --systems together are refused."""
    from conftest import run_script
    pytest.importorskip("webrtcvad", reason="optional baseline package (pip install -r requirements-baselines.txt)")
    d = make_toy_data_dir(tmp_path / "lab", 2, dur_s=4.0, seed=2)
    code, out = run_script(monkeypatch, capsys, "local/level_sweep.py", "--systems", "energy webrtc3",
                           "--gains", "-40 0", str(d), stream="out")
    assert code == 0, out
    blocks = out.split("system: ")[1:]
    assert [b.splitlines()[0] for b in blocks] == ["energy", "webrtc3"]
    rows = {float(line.split()[0]): line.split() for line in blocks[0].splitlines()[2:]}
    assert set(rows) == {-40.0, 0.0} and rows[0.0][-1] == "100.0%"
    code, out = run_script(monkeypatch, capsys, "local/level_sweep.py", "--model", "blstm60", "--systems",
                           "silero", str(d), stream="err")
    assert code != 0 and "not both" in out
