"""The built-in corpus: espeak-ng synthesis, noise generators, label rule, recordings, corpus build."""
from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from vadkit import intervals, io
from vadkit.config import BuiltinCorpusConfig
from vadkit.corpora import builtin, mixing, sounds, tts
from vadkit.errors import InputError

from conftest import ROOT

TINY = dict(train_minutes=0.5, dev_minutes=0.5, test_minutes=0.5, min_rec_s=10.0, max_rec_s=15.0)


def tiny_cfg(**changes) -> BuiltinCorpusConfig:
    return dataclasses.replace(BuiltinCorpusConfig(), **{**TINY, **changes})


# ---------------------------------------------------------------- synthesis
@pytest.mark.parametrize("voice", ["en+f3", "de+m3", "es+klatt", "ru+m1", "pt-BR+f1"])
def test_tts_gives_plausible_speech(voice):
    x, sr = tts.Synthesizer().synthesize("one two three four five six seven", voice, rate_wpm=175)
    assert sr == 22050 and x.dtype == np.float32
    assert 1.0 < len(x) / sr < 6.0                    # seven words at 175 wpm: about 2.5 s
    assert np.sqrt(np.mean(x ** 2)) > 0.01 and np.max(np.abs(x)) <= 1.0


def test_tts_reset_makes_output_repeatable():
    """espeak-ng carries state between calls; after reset(seed) the output depends on the seed only."""
    synth, outs = tts.Synthesizer(), []
    for _ in range(2):
        synth.reset(3)
        synth.synthesize("warm up first", "fr+croak")
        outs.append(synth.synthesize("the same words again", "en+m3")[0])
    assert np.array_equal(outs[0], outs[1])


@pytest.mark.badinput
@pytest.mark.parametrize("voice", ["xx", "en+nosuchvariant"])
def test_tts_unknown_voice_raises(voice):
    with pytest.raises(InputError, match="unknown"):
        tts.Synthesizer().synthesize("hello", voice)


@pytest.mark.badinput
def test_random_sentence_is_seeded_and_sized():
    a = tts.random_sentence(np.random.default_rng(3), "fr", 2, 15)
    assert a == tts.random_sentence(np.random.default_rng(3), "fr", 2, 15)
    assert 2 <= len(a.split()) <= 15
    with pytest.raises(InputError, match="no word list"):
        tts.random_sentence(np.random.default_rng(0), "xx")


# ---------------------------------------------------------------- noise
@pytest.mark.parametrize("name,gen", sorted({**sounds.BED_GENERATORS, **sounds.EVENT_GENERATORS,
                                                **sounds.MUSIC_GENERATORS, "crackle": sounds.crackle}.items()))
@pytest.mark.parametrize("sr", [8000, 16000])
def test_noise_generators(name, gen, sr):
    for n in (sr * 2, int(0.1 * sr)):
        x = gen(np.random.default_rng(0), n, sr)
        assert x.shape == (n,) and np.all(np.isfinite(x)), name
        assert 0 < np.max(np.abs(x)) <= 1.0, name
    assert np.array_equal(gen(np.random.default_rng(5), 1000, sr), gen(np.random.default_rng(5), 1000, sr))


# ---------------------------------------------------------------- the label rule
def test_label_rule_fills_short_gaps_only():
    sr = 8000
    x = np.zeros(3 * sr, np.float32)
    t = np.arange(3 * sr) / sr
    # bursts at 0.503-1.007, 1.107-1.603 (100 ms gap), 2.103-2.601 (500 ms gap); a 30 ms blip at 2.9 s
    for s, e in ((0.503, 1.007), (1.107, 1.603), (2.103, 2.601), (2.9, 2.93)):
        on = (t >= s) & (t < e)
        x[on] = 0.5 * np.sin(2 * np.pi * 440 * t[on])
    x += 1e-4 * np.random.default_rng(0).standard_normal(len(x)).astype(np.float32)
    segs = mixing.speech_labels(x, sr, floor_db=35, frame_ms=10, fill_gap_ms=200, min_speech_ms=50)
    assert len(segs) == 2                              # gap of 100 ms filled, 500 ms kept, blip dropped
    for (s, e), (s_ref, e_ref) in zip(segs, [(0.503, 1.603), (2.103, 2.601)]):
        assert abs(s - s_ref) <= 0.01 and abs(e - e_ref) <= 0.01


def test_label_rule_silence_and_empty():
    rule = dict(floor_db=30, frame_ms=10, fill_gap_ms=200, min_speech_ms=50)
    assert mixing.speech_labels(np.zeros(800, np.float32), 8000, **rule) == []
    assert mixing.speech_labels(np.zeros(0, np.float32), 8000, **rule) == []


# ---------------------------------------------------------------- recordings
def test_make_recording_with_any_utterance_source():
    """The mixing takes any source of clean utterances (real speech later): here, buzzy tone bursts."""
    cfg, rng = tiny_cfg(), np.random.default_rng(1)

    def next_utterance() -> np.ndarray:
        t = np.arange(int(rng.uniform(0.5, 3.0) * cfg.sample_rate_hz)) / cfg.sample_rate_hz
        return (0.3 * np.sign(np.sin(2 * np.pi * 150 * t))).astype(np.float32)

    x, segs = mixing.make_recording(np.random.default_rng(2), next_utterance, 12.0, cfg)
    assert x.shape == (12 * cfg.sample_rate_hz,) and np.all(np.isfinite(x)) and np.max(np.abs(x)) <= 1.0
    assert cfg.speech_ratio_min <= intervals.speech_seconds(segs) / 12.0 <= cfg.speech_ratio_max


def test_recording_independent_of_other_set_sizes():
    a = builtin.make_builtin_recording(tiny_cfg(), "test", 1)
    b = builtin.make_builtin_recording(tiny_cfg(train_minutes=7.0, dev_minutes=2.0), "test", 1)
    assert np.array_equal(a[0], b[0]) and a[1] == b[1]


@pytest.mark.badinput
def test_voice_variants_disjoint_between_sets():
    cfg = BuiltinCorpusConfig()
    train, dev, test = (set(getattr(cfg, f"{s}_variants")) for s in mixing.SETS)
    assert not (train & dev) and not (train & test) and not (dev & test)
    builtin.check_builtin_config(cfg)
    bad = dataclasses.replace(cfg, test_variants=cfg.test_variants + ["m1"])
    with pytest.raises(InputError, match="conf/x.yaml: .*m1.*train_variants and test_variants"):
        builtin.check_builtin_config(bad, "conf/x.yaml")


# ---------------------------------------------------------------- the corpus build
def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_tiny_corpus_layout_labels_and_determinism(tmp_path):
    cfg = tiny_cfg()
    out = tmp_path / "builtin"
    assert builtin.make_builtin_corpus(cfg, out) is True
    assert (out / ".done").is_file() and not list(tmp_path.glob(".builtin.*"))
    for s in mixing.SETS:
        wavs = sorted((out / s).glob("*.wav"))
        assert wavs and all(w.stem.startswith(f"builtin_{s}_") for w in wavs)
        regions = io.read_rttm(out / s / "rttm")
        assert sorted(regions) == [w.stem for w in wavs]
        for w in wavs:
            sr, n = io.audio_info(w)
            dur = n / sr
            assert sr == 8000 and cfg.min_rec_s <= dur <= cfg.max_rec_s
            segs = regions[w.stem]
            assert all(0 <= s0 < e0 <= dur + 1e-3 for s0, e0 in segs)
            assert all(e0 < s1 for (_, e0), (s1, _) in zip(segs, segs[1:]))
            assert 0.40 <= intervals.speech_seconds(segs) / dur <= 0.70
    before = _files(out)
    assert builtin.make_builtin_corpus(cfg, out) is False  # up to date: nothing rewritten
    assert _files(out) == before
    assert builtin.make_builtin_corpus(cfg, tmp_path / "again", num_jobs=2) is True
    assert _files(tmp_path / "again") == before         # byte-identical, whatever the number of jobs


def test_corpus_rebuilds_on_config_change_at_16k(tmp_path):
    out = tmp_path / "c"
    builtin.make_builtin_corpus(tiny_cfg(train_minutes=0.2, dev_minutes=0.2, test_minutes=0.2), out)
    cfg = tiny_cfg(train_minutes=0.2, dev_minutes=0.2, test_minutes=0.2, sample_rate_hz=16000)
    assert builtin.make_builtin_corpus(cfg, out) is True
    assert all(io.audio_info(w)[0] == 16000 for w in out.rglob("*.wav"))
    assert "sample_rate_hz: 16000" in (out / ".done").read_text()


@pytest.mark.badinput
def test_corpus_refuses_a_foreign_directory(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "keep.txt").write_text("not a corpus")
    with pytest.raises(InputError, match="no finished corpus"):
        builtin.make_builtin_corpus(tiny_cfg(), tmp_path / "data")
    assert _files(tmp_path / "data") == {"keep.txt": b"not a corpus"}


def test_script_help():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, str(ROOT / "local/make_builtin_corpus.py"), "--help"],
                       capture_output=True, text=True, env=env, check=True)
    assert "e.g.: local/make_builtin_corpus.py --config conf/corpus_builtin.yaml" in r.stdout
