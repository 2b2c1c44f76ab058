"""The mix corpus (vadkit.real_mix, local/make_mix.py): finding files, speakers, split, label rule, build.

Audio is generated here (espeak-ng speech, vadkit.noise noise); the label-rule checks on real recordings
use ../shared/corpora when it is there and skip otherwise.
"""
from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from vadkit import config, intervals, io
from vadkit.config import MixCorpusConfig
from vadkit.corpora import mix, mixing, sounds
from vadkit.errors import InputError

from builders import make_sources, tiny_cfg
from conftest import ROOT, child_env

CORPORA = Path(os.environ.get("VAD_SHARED_CORPORA", ROOT.parent / "shared" / "corpora"))






@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> tuple[Path, Path]:
    return make_sources(tmp_path_factory.mktemp("src"))


# ---------------------------------------------------------------- speakers and the split
@pytest.mark.parametrize("rel,speaker", [
    ("LibriSpeech/dev-clean-2/1272/128104/1272-128104-0000.flac", "1272"),   # LibriSpeech name
    ("librispeech/F_1088/1088-129236-0000.flac", "1088"),
    ("speech_commands_v001/right/6272b231_nohash_1.flac", "6272b231"),       # Speech Commands hash
    ("fsdd/yweweler/7_yweweler_15.flac", "speech/fsdd/yweweler"),            # one folder per speaker
    ("LJ001-0004.flac", "speech"),                                           # top level: the folder
])
def test_speaker_of(rel, speaker):
    assert mix.speaker_of(rel, "speech", MixCorpusConfig().speaker_patterns) == speaker


@pytest.mark.badinput
def test_split_keeps_groups_apart_and_follows_shares():
    rng = np.random.default_rng(0)
    src = [mix.Source(f"f{i}", f"spk{i % 40}", float(rng.uniform(1, 20))) for i in range(400)]
    sets = mix.split(src, 1, 0.1, 0.2, "speech")
    groups = {s: {x.group for x in v} for s, v in sets.items()}
    assert not (groups["train"] & groups["dev"]) and not (groups["train"] & groups["test"])
    assert not (groups["dev"] & groups["test"])
    assert sum(len(v) for v in sets.values()) == 400
    total = sum(x.seconds for x in src)
    for name, share in (("dev", 0.1), ("test", 0.2)):
        got = sum(x.seconds for x in sets[name]) / total
        assert share <= got < share + 0.1, (name, got)              # fills up to the share, one group over
    assert sets == mix.split(src, 1, 0.1, 0.2, "speech")       # deterministic
    assert sets != mix.split(src, 2, 0.1, 0.2, "speech")       # and seeded
    one_each = mix.split(src[:3], 1, 0.01, 0.01, "noise")      # tiny shares still get one group
    assert all(len(v) == 1 for v in one_each.values())
    with pytest.raises(InputError, match="noise: 2 group"):
        mix.split(src[:2], 1, 0.1, 0.2, "noise")


# ---------------------------------------------------------------- the label rule and clean check
def _bursts(sr: int, floor: float) -> np.ndarray:
    rng = np.random.default_rng(1)
    t = np.arange(3 * sr) / sr
    x = floor * rng.standard_normal(len(t))
    for s, e in ((0.3, 1.2), (1.9, 2.7)):                       # a 0.7 s pause inside the "utterance"
        on = (t >= s) & (t < e)
        x[on] += 0.5 * np.sin(2 * np.pi * 200 * t[on]) * np.sin(np.pi * (t[on] - s) / (e - s))
    return x.astype(np.float32)


def test_clean_check():
    cfg = tiny_cfg()
    assert mix.is_clean(_bursts(8000, 1e-4), cfg)
    assert not mix.is_clean(_bursts(8000, 0.1), cfg)          # noise 10 dB under the peak: left out
    assert mix.is_clean(_bursts(8000, 0.1)[:4000], cfg)       # 0.5 s: too short to judge


def _real(sub: str, n: int) -> list[Path]:
    files = sorted((CORPORA / "speech" / sub).rglob("*.flac"))[:n]
    if not files:
        pytest.skip(f"{CORPORA / 'speech' / sub}: real recordings not available here")
    return files


def test_label_rule_on_real_librispeech():
    """LibriSpeech read speech: leading silence and long pauses become non-speech, most of it speech."""
    cfg = tiny_cfg()
    ratios, leads, pauses = [], [], 0
    for f in _real("librispeech", 30):
        x, sr = io.read_audio(f, cfg.sample_rate_hz)
        if not mix.is_clean(x, cfg):
            continue
        segs = mixing.reference_labels(x, cfg)
        assert segs and all(0 <= s < e <= len(x) / sr + 1e-9 for s, e in segs)
        gaps = [b - a for (_, a), (b, _) in zip(segs, segs[1:])]
        assert all(g >= cfg.label_fill_gap_ms / 1000 - 1e-9 for g in gaps)
        pauses += len(gaps)
        ratios.append(intervals.speech_seconds(segs) * sr / len(x))
        leads.append(segs[0][0])
    assert len(ratios) >= 25                                       # nearly all of them are clean
    assert 0.6 <= np.median(ratios) <= 0.95, np.median(ratios)
    assert np.median(leads) >= 0.1                                 # the leading silence is not speech
    assert pauses >= len(ratios)                                   # pauses between phrases are found


def test_label_rule_on_a_real_pause_inserted():
    """A real utterance split in two by 0.8 s of its own quietest audio: the pause is non-speech."""
    cfg = tiny_cfg()
    f = _real("ljspeech", 1)[0]
    x, sr = io.read_audio(f, cfg.sample_rate_hz)
    hop = sr // 100
    energy = np.mean(x[:len(x) // hop * hop].reshape(-1, hop) ** 2, axis=1)
    quiet = np.concatenate([x[k * hop:(k + 1) * hop] for k in np.argsort(energy)[:80]])  # 0.8 s
    cut = segs_mid = mixing.reference_labels(x, cfg)[0][1]          # end of the first speech region
    cut = int(segs_mid * sr)
    y = np.concatenate([x[:cut], quiet, x[cut:]])
    segs = mixing.reference_labels(y, cfg)
    gap = [(a, b) for (_, a), (b, _) in zip(segs, segs[1:]) if a <= cut / sr + 0.05 and b >= cut / sr + 0.75]
    assert gap, (cut / sr, segs)


def test_label_rule_on_real_digits_is_mostly_speech():
    """FSDD digits are trimmed to the word: nearly all of each is speech, none is rejected as noisy."""
    cfg = tiny_cfg()
    files = _real("fsdd", 40)
    ratios = []
    for f in files:
        x, sr = io.read_audio(f, cfg.sample_rate_hz)
        ratios.append(intervals.speech_seconds(mixing.reference_labels(x, cfg)) * sr / len(x))
    assert np.median(ratios) >= 0.85


# ---------------------------------------------------------------- the corpus
def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_tiny_mix_corpus(sources, tmp_path):
    speech, noise_dir = sources
    cfg = tiny_cfg()
    out = tmp_path / "mix"
    assert mix.make_mix_corpus(cfg, out, [speech], [noise_dir]) is True
    spk = {s: set((out / s / "speakers").read_text().split()) for s in mixing.SETS}
    noises = {s: set((out / s / "noises").read_text().split()) for s in mixing.SETS}
    for a, b in (("train", "dev"), ("train", "test"), ("dev", "test")):
        assert spk[a] and spk[b] and not spk[a] & spk[b]
        assert noises[a] and noises[b] and not noises[a] & noises[b]
    assert set().union(*spk.values()) == {str(100 + k) for k in range(6)}
    for s in mixing.SETS:
        regions = io.read_rttm(out / s / "rttm")
        wavs = sorted((out / s).glob("*.wav"))
        assert wavs and sorted(regions) == [w.stem for w in wavs]
        for w in wavs:
            x, sr = io.read_audio(w)
            assert sr == 8000 and 10.0 <= len(x) / sr <= 12.0
            segs = regions[w.stem]
            assert 0.40 <= intervals.speech_seconds(segs) * sr / len(x) <= 0.70
            mask = mixing._mask(segs, len(x), sr)
            assert np.sqrt(np.mean(x[~mask] ** 2)) > 0            # noise under the pauses too
    assert mix.make_mix_corpus(cfg, out, [speech], [noise_dir]) is False   # up to date
    again = tmp_path / "again"
    mix.make_mix_corpus(cfg, again, [speech], [noise_dir], num_jobs=2)
    assert _files(again) == _files(out)                                          # deterministic
    stamp = yaml.safe_load((out / ".done").read_text())                   # made before noise_speed_* existed:
    for k in ("noise_speed_prob", "noise_speed_min", "noise_speed_max"):  # still up to date at their defaults
        del stamp["config"][k]
    io.write_text(out / ".done", yaml.safe_dump(stamp))
    assert mix.make_mix_corpus(cfg, out, [speech], [noise_dir]) is False
    assert mix.make_mix_corpus(dataclasses.replace(cfg, noise_speed_prob=0.5), out, [speech], [noise_dir]) is True


def test_mix_corpus_rebuilds_when_sources_change(sources, tmp_path):
    speech, noise_dir = sources
    cfg = tiny_cfg(train_minutes=0.2)
    out = tmp_path / "mix"
    mix.make_mix_corpus(cfg, out, [speech], [noise_dir])
    extra = tmp_path / "more_noise"
    io.write_wav(extra / "hum.wav", sounds.hum(np.random.default_rng(0), 16000, 8000), 8000)
    assert mix.make_mix_corpus(cfg, out, [speech], [noise_dir, extra]) is True


@pytest.mark.badinput
def test_bad_input_names_the_problem(sources, tmp_path):
    speech, noise_dir = sources
    with pytest.raises(InputError, match="nowhere: not a folder"):
        mix.make_mix_corpus(tiny_cfg(), tmp_path / "o", [tmp_path / "nowhere"], [noise_dir])
    with pytest.raises(InputError, match="no noise files"):
        mix.make_mix_corpus(tiny_cfg(), tmp_path / "o", [speech])
    lst = tmp_path / "noise.list"
    lst.write_text(f"{noise_dir}/0_band.wav\n{tmp_path}/gone.wav\n")
    with pytest.raises(InputError, match=r"noise.list:2: .*gone.wav does not exist"):
        mix.make_mix_corpus(tiny_cfg(), tmp_path / "o", [speech], noise_lists=[lst])
    with pytest.raises(InputError, match=r"conf/x.yaml: speaker pattern .* has no \(group\)"):
        mix.make_mix_corpus(tiny_cfg(speaker_patterns=[r"\d+"]), tmp_path / "o", [speech], [noise_dir],
                                 where="conf/x.yaml")
    assert not (tmp_path / "o").exists()


def test_script_help():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, str(ROOT / "local/make_mix.py"), "--help"],
                       capture_output=True, text=True, env=env, check=True)
    assert "e.g.: local/make_mix.py --config conf/corpus_mix.yaml" in r.stdout


# ---------------------------------------------------------------- label policy and augmentations
@pytest.mark.badinput
def test_label_policy_tight_splits_what_energy_fills():
    sr = 8000
    burst = np.sin(np.arange(int(0.4 * sr)) * 0.3)
    x = np.concatenate([burst, np.zeros(int(0.1 * sr)), burst]).astype(np.float32)   # a 100 ms pause
    assert len(mixing.reference_labels(x, mix.label_config(tiny_cfg()))) == 1       # energy: filled (< 200 ms)
    assert len(mixing.reference_labels(x, mix.label_config(tiny_cfg(label_policy="tight")))) == 2
    assert intervals.fill_gaps([(0.0, 1.0), (1.25, 2.0), (2.5, 3.0)], 0.3) == [(0.0, 2.0), (2.5, 3.0)]
    with pytest.raises(InputError, match="x.yaml: label_policy must be one of energy, tight, fill"):
        mix.check_mix_config(tiny_cfg(label_policy="turns"), "x.yaml")


def _recording(sources, set_name="train", **changes):
    speech, noise_dir = sources
    utts = [str(p) for p in sorted(speech.rglob("*.flac"))]
    noises = [str(p) for p in sorted(noise_dir.glob("*.wav"))]
    return mix.make_mix_recording(tiny_cfg(**changes), set_name, 0, utts, noises)


def test_label_policy_fill_closes_short_gaps_between_utterances(sources):
    base = dict(min_pause_s=0.25, speech_ratio_min=0.6, speech_ratio_max=0.9)
    _, energy = _recording(sources, **base)
    _, filled = _recording(sources, **base, label_policy="fill", label_policy_gap_ms=800.0)
    gaps = lambda segs: [b[0] - a[1] for a, b in zip(segs, segs[1:])]  # noqa: E731
    assert min(gaps(energy)) < 0.8 and len(filled) < len(energy)
    assert all(g >= 0.8 for g in gaps(filled))
    for s, e in energy:                                          # filling only adds speech
        assert any(fs <= s and e <= fe for fs, fe in filled)


@pytest.mark.parametrize("name", [a for a in mix.AUGMENTATIONS if a != "speed"])
def test_each_augmentation_changes_audio_not_labels(sources, name):
    x0, r0 = _recording(sources)
    on = {f"{name}_prob": 1.0, "music_pattern": "."}
    x1, r1 = _recording(sources, **on)
    x2, r2 = _recording(sources, **on)
    assert r1 == r0                                              # labels of the clean speech
    assert len(x1) == len(x0) and not np.allclose(x1, x0, atol=1e-4)
    assert np.array_equal(x1, x2) and r2 == r1                   # seeded
    assert np.max(np.abs(x1)) <= 1.0
    if name in ("telephone", "lowpass"):
        assert _hi_share(x1) < 0.05 * _hi_share(x0)


def test_speed_changes_the_utterances_and_their_labels(sources):
    x0, r0 = _recording(sources)
    x1, r1 = _recording(sources, speed_prob=1.0, speed_min=0.8, speed_max=0.8)   # all slower: longer words
    assert len(x1) == len(x0) and r1 != r0 and np.array_equal(_recording(sources, speed_prob=1.0,
                                                                       speed_min=0.8, speed_max=0.8)[0], x1)
    first = lambda r: r[0][1] - r[0][0]  # noqa: E731  (the first utterance is the same one, slowed)
    assert first(r1) == pytest.approx(first(r0) / 0.8, abs=0.03)


def test_procedural_noise_replaces_real_noise_in_train_only(sources):
    x0, r0 = _recording(sources)
    x1, r1 = _recording(sources, synth_noise_prob=1.0)
    assert r1 == r0 and len(x1) == len(x0) and not np.allclose(x1, x0, atol=1e-4)
    assert np.array_equal(_recording(sources, synth_noise_prob=1.0)[0], x1)       # seeded
    d0, _ = _recording(sources, "dev")
    assert np.array_equal(_recording(sources, "dev", synth_noise_prob=1.0)[0], d0)  # dev and test stay put


def test_procedural_music_in_train_only(sources):
    x0, r0 = _recording(sources)
    x1, r1 = _recording(sources, synth_music_prob=1.0, event_prob=1.0)
    assert r1 == r0 and len(x1) == len(x0) and not np.allclose(x1, x0, atol=1e-4)
    assert np.array_equal(_recording(sources, synth_music_prob=1.0, event_prob=1.0)[0], x1)       # seeded
    assert not np.allclose(_recording(sources, synth_noise_prob=1.0)[0], x1, atol=1e-4)         # not the others
    d0, _ = _recording(sources, "dev")
    assert np.array_equal(_recording(sources, "dev", synth_music_prob=1.0)[0], d0)                # dev stays put
    with pytest.raises(InputError, match="x.yaml: synth_music_prob must lie in"):
        mix.check_mix_config(tiny_cfg(synth_music_prob=-0.1), "x.yaml")


def test_procedural_crackle_in_train_pauses_only(sources):
    x0, r0 = _recording(sources, event_prob=1.0)
    x1, r1 = _recording(sources, synth_crackle_prob=1.0, event_prob=1.0)
    assert r1 == r0 and len(x1) == len(x0) and not np.allclose(x1, x0, atol=1e-4)
    assert np.array_equal(_recording(sources, synth_crackle_prob=1.0, event_prob=1.0)[0], x1)     # seeded
    assert not np.allclose(_recording(sources, synth_music_prob=1.0, event_prob=1.0)[0], x1, atol=1e-4)
    d0, _ = _recording(sources, "dev", event_prob=1.0)
    assert np.array_equal(_recording(sources, "dev", synth_crackle_prob=1.0, event_prob=1.0)[0], d0)  # dev stays
    with pytest.raises(InputError, match="x.yaml: synth_crackle_prob must lie in"):
        mix.check_mix_config(tiny_cfg(synth_crackle_prob=1.5), "x.yaml")


def test_tts_utterances_in_train_only(sources):
    x0, r0 = _recording(sources)
    x1, r1 = _recording(sources, tts_prob=1.0, tts_languages=["ru", "sw"])
    assert r1 and r1 != r0 and len(x1) == len(x0)
    x2, r2 = _recording(sources, tts_prob=1.0, tts_languages=["ru", "sw"])
    assert np.array_equal(x1, x2) and r2 == r1                   # seeded, whatever the process made before
    d0, dr0 = _recording(sources, "dev")
    assert np.array_equal(_recording(sources, "dev", tts_prob=1.0)[0], d0)
    with pytest.raises(InputError, match="tts_prob > 0 needs tts_languages"):
        mix.check_mix_config(tiny_cfg(tts_prob=0.5, tts_languages=[]), "x.yaml")
    with pytest.raises(InputError, match="x.yaml: tts_languages: no word list for language 'xx'"):
        mix.check_mix_config(tiny_cfg(tts_prob=0.5, tts_languages=["en", "xx"]), "x.yaml")


def test_noise_only_recordings_hold_no_speech_in_train_only(sources):
    x0, r0 = _recording(sources)
    x1, r1 = _recording(sources, noise_only_prob=1.0, event_prob=1.0)
    cfg = tiny_cfg()
    assert r0 and r1 == [] and len(x1) == len(x0)
    assert cfg.peak_dbfs_min - 0.01 <= 20 * np.log10(np.max(np.abs(x1))) <= cfg.peak_dbfs_max + 0.01
    frames = np.sqrt(np.mean(x1[:len(x1) // 160 * 160].reshape(-1, 160) ** 2, axis=1))
    assert np.min(frames) > 0                                     # background all through
    d0, dr0 = _recording(sources, "dev")
    assert _recording(sources, "dev", noise_only_prob=1.0)[1] == dr0 and dr0
    with pytest.raises(InputError, match="x.yaml: synth_noise_prob, noise_only_prob and tts_prob must lie in"):
        mix.check_mix_config(tiny_cfg(noise_only_prob=1.5), "x.yaml")


def test_loud_events_peak_above_the_speech_in_train_only(sources):
    def loudest_pause_vs_speech(x, regions, sr=8000):
        mask = np.zeros(len(x), bool)
        for a, b in regions:
            mask[int(a * sr):int(b * sr)] = True
        return np.max(np.abs(x[~mask])) / np.max(np.abs(x[mask]))

    base = dict(event_prob=1.0, snr_db_min=30.0, snr_db_max=30.0)   # events in every pause, a faint background
    x0, r0 = _recording(sources, **base)
    x1, r1 = _recording(sources, **base, loud_event_prob=1.0, loud_event_db_min=10.0, loud_event_db_max=10.0)
    assert r1 == r0 and r0 and len(x1) == len(x0)                  # the same speech and labels
    assert loudest_pause_vs_speech(x0, r0) <= 1.01                 # usual events never peak above the speech
    assert loudest_pause_vs_speech(x1, r1) > 1.5                   # loud ones do
    off = _recording(sources, **base, loud_event_prob=0.0, loud_event_db_min=10.0, loud_event_db_max=10.0)[0]
    assert np.array_equal(off, x0)                                 # off: the corpus of before
    d0 = _recording(sources, "dev", **base)[0]
    assert np.array_equal(_recording(sources, "dev", **base, loud_event_prob=1.0)[0], d0)   # dev stays put
    with pytest.raises(InputError, match="x.yaml: loud_event_prob must lie in"):
        mix.check_mix_config(tiny_cfg(loud_event_prob=2.0), "x.yaml")
    with pytest.raises(InputError, match="x.yaml: loud_event_db_min exceeds"):
        mix.check_mix_config(tiny_cfg(loud_event_db_min=5.0, loud_event_db_max=0.0), "x.yaml")


def test_noise_speed_changes_real_noise_in_train_only(sources):
    x0, r0 = _recording(sources, noise_only_prob=1.0)           # noise alone: the change is all there is
    x1, r1 = _recording(sources, noise_only_prob=1.0, noise_speed_prob=1.0, noise_speed_min=0.5, noise_speed_max=0.5)
    assert r1 == r0 == [] and len(x1) == len(x0) and not np.allclose(x1, x0, atol=1e-4)
    assert np.array_equal(_recording(sources, noise_only_prob=1.0, noise_speed_prob=1.0, noise_speed_min=0.5,
                                     noise_speed_max=0.5)[0], x1)                               # seeded
    centroid = lambda x: np.sum(np.arange(4097) * np.abs(np.fft.rfft(x[:8192]))) / np.sum(np.abs(np.fft.rfft(x[:8192])))  # noqa: E731
    assert centroid(x1) < 0.8 * centroid(x0)                     # half speed: an octave lower
    x2, r2 = _recording(sources, noise_speed_prob=1.0)
    assert r2 == _recording(sources)[1]                          # speech and labels untouched
    d0, _ = _recording(sources, "dev")
    assert np.array_equal(_recording(sources, "dev", noise_speed_prob=1.0)[0], d0)     # dev and test stay put
    with pytest.raises(InputError, match="x.yaml: need 0.25 <= noise_speed_min"):
        mix.check_mix_config(tiny_cfg(noise_speed_prob=0.5, noise_speed_min=2.0, noise_speed_max=1.0), "x.yaml")


@pytest.mark.parametrize("lever", [dict(vtlp_prob=1.0), dict(pitch_prob=1.0), dict(whisper_prob=1.0),
                                   dict(shout_prob=1.0)])
def test_voices_change_the_speech_in_train_only(sources, lever):
    x0, r0 = _recording(sources)
    x1, r1 = _recording(sources, **lever)
    assert len(x1) == len(x0) and not np.allclose(x1, x0, atol=1e-3)
    assert np.array_equal(_recording(sources, **lever)[0], x1)                         # seeded
    first = lambda r: r[0][1] - r[0][0]  # noqa: E731   timing kept: the first utterance's labels barely move
    assert first(r1) == pytest.approx(first(r0), abs=0.1)
    d0, _ = _recording(sources, "dev")
    assert np.array_equal(_recording(sources, "dev", **lever)[0], d0)                  # dev and test stay put


@pytest.mark.badinput
def test_bad_voice_settings_are_named():
    for bad, msg in ((dict(vtlp_prob=1.5), "vtlp_prob, pitch_prob, whisper_prob and shout_prob must lie in"),
                     (dict(whisper_prob=0.6, shout_prob=0.6), "vtlp_prob.*whisper_prob \\+ shout_prob too"),
                     (dict(vtlp_alpha_min=1.2, vtlp_alpha_max=1.1), "need 0.7 <= vtlp_alpha_min"),
                     (dict(pitch_semitones_max=20.0), "pitch_semitones_max must lie in")):
        with pytest.raises(InputError, match="x.yaml: " + msg):
            mix.check_mix_config(tiny_cfg(**bad), "x.yaml")


def test_sources_below_the_rate_floor_are_left_out(sources, tmp_path):
    speech, noise_dir = sources
    files = sorted(Path(speech).rglob("*.flac"))
    usable, rejected = mix.scan_speech(files, [speech], tiny_cfg(min_source_rate_hz=48000))
    assert not usable and len(rejected) == len(files) and "min_source_rate_hz" in rejected[0]


def _hi_share(x: np.ndarray, sr: int = 8000) -> float:
    spec = np.abs(np.fft.rfft(x)) ** 2
    return float(spec[np.fft.rfftfreq(len(x), 1 / sr) > 3700].sum() / spec.sum())


@pytest.mark.badinput
def test_cross_domain_dev_holds_out_whole_kinds(sources, tmp_path):
    """xdev: speaker 100 and noise file 0_* are held out of train/dev/test and heard in xdev only."""
    speech, noise_dir = sources
    cfg = tiny_cfg(xdev_speech_pattern="/100/", xdev_noise_pattern="/0_", xdev_minutes=0.2)
    assert mix.sets_of(cfg) == ("train", "dev", "test", "xdev") and mix.sets_of(tiny_cfg()) == mixing.SETS
    out = tmp_path / "mix"
    mix.make_mix_corpus(cfg, out, [speech], [noise_dir])
    spk = {s: set((out / s / "speakers").read_text().split()) for s in mix.sets_of(cfg)}
    noises = {s: (out / s / "noises").read_text().split() for s in mix.sets_of(cfg)}
    assert spk["xdev"] == {"100"} and "100" not in spk["train"] | spk["dev"] | spk["test"]
    assert all("/0_" in n for n in noises["xdev"])
    assert not any("/0_" in n for s in mixing.SETS for n in noises[s])
    assert sorted(io.read_rttm(out / "xdev" / "rttm")) == sorted(w.stem for w in (out / "xdev").glob("*.wav"))
    with pytest.raises(InputError, match="xdev_noise_pattern 'nothing' matches no noise file"):
        mix.make_mix_corpus(tiny_cfg(xdev_noise_pattern="nothing"), tmp_path / "bad", [speech], [noise_dir])


def test_train_versions_mix_the_train_set_anew_and_leave_the_rest(sources, tmp_path):
    """train_versions 3: version 0 is the train set of one version, byte for byte; versions 1 and 2 are new
    mixings of the same files (other audio); dev and test are untouched; data prep writes reco2version."""
    import subprocess as sp
    speech, noise_dir = sources
    one, three = tmp_path / "one", tmp_path / "three"
    mix.make_mix_corpus(tiny_cfg(), one, [speech], [noise_dir])
    mix.make_mix_corpus(tiny_cfg(train_versions=3), three, [speech], [noise_dir])
    same = lambda files: {k: v for k, v in files.items() if "_v0" not in k and k not in (".done", "train/rttm",
                                                                                          "train/versions")}
    assert same(_files(three)) == same(_files(one))
    regions = io.read_rttm(three / "train/rttm")
    assert {k: v for k, v in regions.items() if "_v0" not in k} == io.read_rttm(one / "train/rttm")
    v0 = sorted((one / "train").glob("*.wav"))
    for v in (1, 2):
        wavs = sorted((three / "train").glob(f"mix_train_v{v:02d}_*.wav"))
        assert wavs and all(io.read_audio(w)[0].shape != io.read_audio(a)[0].shape or
                            not np.array_equal(io.read_audio(w)[0], io.read_audio(a)[0]) for w, a in zip(wavs, v0))
    versions = io.read_table(three / "train/versions")
    assert sorted({v for (v,) in versions.values()}) == ["0", "1", "2"]
    assert sorted(versions) == sorted(regions)
    out = tmp_path / "data"
    sp.run([sys.executable, str(ROOT / "local/prepare_builtin.py"), str(three), str(out)], check=True,
           env={**os.environ, "PYTHONPATH": str(ROOT)})
    from vadkit.data import datadir
    assert datadir.read_versions(out / "train", datadir.validate_data_dir(out / "train").rec_ids) == \
        {k: int(v) for k, (v,) in versions.items()}
    assert not (out / "dev/reco2version").exists()


@pytest.mark.badinput
def test_a_bad_reco2version_is_named(tmp_path):
    from vadkit.data import datadir
    d = tmp_path / "train"
    d.mkdir()
    for text, match in (("a 0\nb x\n", "b has version 'x'"), ("a 0\n", "recording 'b' has no line"),
                        ("a 0\nb 2\n", "no recording has version 1")):
        (d / "reco2version").write_text(text)
        with pytest.raises(InputError, match=match):
            datadir.read_versions(d, ["a", "b"])
    with pytest.raises(InputError, match="train_versions must be an integer"):
        mix.check_mix_config(tiny_cfg(train_versions=0))


def test_image_source_rooms_in_train_only(sources):
    """reverb_image_prob 1: every reverberated train recording gets a shoebox room's response (other audio, same
    labels, seeded); dev is untouched; with the lever off the corpus is as before (the 4th generator child)."""
    x0, r0 = _recording(sources, reverb_prob=1.0)
    x1, r1 = _recording(sources, reverb_prob=1.0, reverb_image_prob=1.0)
    assert r1 == r0 and len(x1) == len(x0) and not np.array_equal(x1, x0)
    assert np.array_equal(_recording(sources, reverb_prob=1.0, reverb_image_prob=1.0)[0], x1)
    d0 = _recording(sources, "dev", reverb_prob=1.0)[0]
    assert np.array_equal(_recording(sources, "dev", reverb_prob=1.0, reverb_image_prob=1.0)[0], d0)
    with pytest.raises(InputError, match="x.yaml: reverb_image_prob must lie in"):
        mix.check_mix_config(tiny_cfg(reverb_image_prob=2.0), "x.yaml")


def test_image_rir_has_the_direct_path_first_and_decays():
    from vadkit.corpora import augment
    for seed, rt60 in ((0, 0.3), (1, 0.9)):
        h = augment.image_rir(np.random.default_rng(seed), 16000, rt60)
        assert h[0] == 1.0 and np.max(np.abs(h[1:])) < 1.0
        energy = np.cumsum(h[::-1] ** 2)[::-1]            # Schroeder's backward integral
        edc = 10 * np.log10(energy / energy[0])
        t20 = np.argmax(edc < -25) - np.argmax(edc < -5)   # 20 dB of decay, in samples
        assert 0.5 * rt60 < 3 * t20 / 16000 < 1.5 * rt60, (rt60, 3 * t20 / 16000)
    a, b = (augment.image_rir(np.random.default_rng(7), 16000, 0.5) for _ in range(2))
    assert np.array_equal(a, b)


def _tone_pool(root: Path, hz: float = 1250.0, sr: int = 8000) -> Path:
    t = np.arange(3 * sr) / sr
    io.write_wav(root / "pool" / "tone.wav", (0.3 * np.sin(2 * np.pi * hz * t)).astype(np.float32), sr)
    return root / "pool"


def test_train_noise_pool_is_heard_in_train_only(sources, tmp_path):
    """--train-noise-dir: a pure tone pool takes over train's noise at train_noise_prob 1; dev and test stay put."""
    speech, noise_dir = sources
    pool = _tone_pool(tmp_path)
    utts = [str(p) for p in sorted(speech.rglob("*.flac"))]
    noises = [str(p) for p in sorted(noise_dir.glob("*.wav"))]
    cfg = tiny_cfg(noise_only_prob=1.0, train_noise_prob=1.0)         # noise alone: what we hear is the pool
    x, regions = mix.make_mix_recording(cfg, "train", 0, utts, noises, [str(pool / "tone.wav")])
    spec = np.abs(np.fft.rfft(x)) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / cfg.sample_rate_hz)
    assert regions == [] and spec[np.abs(freqs - 1250) < 20].sum() > 0.9 * spec.sum()
    x0, _ = mix.make_mix_recording(cfg, "train", 0, utts, noises)                   # no pool: as before
    assert np.array_equal(x0, mix.make_mix_recording(tiny_cfg(noise_only_prob=1.0), "train", 0, utts, noises)[0])
    d = mix.make_mix_recording(cfg, "dev", 0, utts, noises, [str(pool / "tone.wav")])[0]
    assert np.array_equal(d, mix.make_mix_recording(cfg, "dev", 0, utts, noises)[0])

    plain, pooled = tmp_path / "plain", tmp_path / "pooled"
    cfg = tiny_cfg(train_noise_prob=0.5, train_minutes=0.4)
    mix.make_mix_corpus(cfg, plain, [speech], [noise_dir])
    assert mix.make_mix_corpus(cfg, pooled, [speech], [noise_dir], train_noise_dirs=[pool]) is True
    a, b = _files(plain), _files(pooled)
    assert {k: v for k, v in a.items() if not k.startswith(("train/", ".done"))} == \
        {k: v for k, v in b.items() if not k.startswith(("train/", ".done"))}        # dev, test: byte-identical
    assert a["train/noises"] == b["train/noises"] and b["train/train_noises"].decode().strip().endswith("tone.wav")
    assert any(a[k] != b[k] for k in a if k.startswith("train/mix_"))
    assert mix.make_mix_corpus(cfg, plain, [speech], [noise_dir]) is False           # no pool: stamp unchanged
    assert mix.make_mix_corpus(cfg, pooled, [speech], [noise_dir], train_noise_dirs=[pool]) is False
    conf = tmp_path / "pool.yaml"                                      # the script passes the pool through
    conf.write_text(yaml.safe_dump({**config.to_dict(cfg), "train_minutes": 0.2}))
    env = child_env()
    subprocess.run([sys.executable, str(ROOT / "local/make_mix.py"), "--config", str(conf), "--speech-dir",
                    str(speech), "--noise-dir", str(noise_dir), "--train-noise-dir", str(pool), "--nj", "1",
                    str(tmp_path / "cli")], check=True, capture_output=True, env=env)
    assert (tmp_path / "cli" / "train" / "train_noises").read_text().strip().endswith("tone.wav")


def _tone_share(x: np.ndarray, a_s: float, b_s: float, sr: int) -> float:
    """Share of x[a_s:b_s]'s energy within 20 Hz of the pool's 1250 Hz tone."""
    seg = x[int(a_s * sr):int(b_s * sr)]
    spec, freqs = np.abs(np.fft.rfft(seg)) ** 2, np.fft.rfftfreq(len(seg), 1 / sr)
    return float(spec[np.abs(freqs - 1250) < 20].sum() / max(spec.sum(), 1e-12))


def test_train_noise_where_pauses_keeps_the_pool_out_from_under_speech(sources, tmp_path):
    """train_noise_where: pauses: pool sounds in pause events and noise-only recordings, never in a bed under
    speech; "all" puts it under speech too."""
    speech, noise_dir = sources
    pool = [str(_tone_pool(tmp_path) / "tone.wav")]
    utts = [str(p) for p in sorted(speech.rglob("*.flac"))]
    noises = [str(p) for p in sorted(noise_dir.glob("*.wav"))]
    shares = {}
    for where in ("all", "pauses"):
        cfg = tiny_cfg(train_noise_prob=1.0, train_noise_where=where, noise_only_prob=0.0, event_prob=1.0)
        x, regions = mix.make_mix_recording(cfg, "train", 0, utts, noises, pool)
        sr = cfg.sample_rate_hz
        under = [_tone_share(x, a + 0.05, b - 0.05, sr) for a, b in regions if b - a > 0.3]
        pauses = [_tone_share(x, b, a, sr) for (_, b), (a, _) in zip(regions, regions[1:]) if a - b > 0.3]
        shares[where] = (float(np.median(under)), max(pauses))
    assert shares["all"][0] > 0.1 and shares["pauses"][0] < 0.01, shares       # under speech: only with "all"
    assert shares["pauses"][1] > 0.1, shares                                   # in the pauses: both
    cfg = tiny_cfg(train_noise_prob=1.0, train_noise_where="pauses", noise_only_prob=1.0)
    x, regions = mix.make_mix_recording(cfg, "train", 0, utts, noises, pool)
    assert regions == [] and _tone_share(x, 0, len(x) / cfg.sample_rate_hz, cfg.sample_rate_hz) > 0.9


@pytest.mark.badinput
def test_a_bad_train_noise_pool_is_named(sources, tmp_path):
    speech, noise_dir = sources
    pool = _tone_pool(tmp_path)
    run = lambda cfg, dirs: mix.make_mix_corpus(cfg, tmp_path / "o", [speech], [noise_dir], train_noise_dirs=dirs)  # noqa: E731
    with pytest.raises(InputError, match="train_noise_prob is 0"):
        run(tiny_cfg(), [pool])
    with pytest.raises(InputError, match=r"0_.*both a noise file and in the train-only pool"):
        run(tiny_cfg(train_noise_prob=0.5), [noise_dir])
    with pytest.raises(InputError, match=r"tone.wav: train-only noise matches xdev_noise_pattern"):
        run(tiny_cfg(train_noise_prob=0.5, xdev_noise_pattern="tone"), [pool])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="empty: no audio files"):
        run(tiny_cfg(train_noise_prob=0.5), [tmp_path / "empty"])
    with pytest.raises(InputError, match="train_noise_prob must lie in"):
        mix.check_mix_config(tiny_cfg(train_noise_prob=1.5))
    with pytest.raises(InputError, match="train_noise_where must be one of all, pauses"):
        mix.check_mix_config(tiny_cfg(train_noise_where="speech"))
    assert not (tmp_path / "o").exists()
