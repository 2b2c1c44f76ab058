"""The built-in corpus (`--corpus builtin`): synthesized speech (espeak-ng) mixed with synthetic non-speech."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from vadkit import config, io
from vadkit.config import BuiltinCorpusConfig
from vadkit.corpora import tts
from vadkit.corpora.mixing import (
    SETS,
    Segments,
    UtteranceSource,
    build_corpus,
    check_mixing_config,
    draw_duration_s,
    make_recording,
    set_durations,
)
from vadkit.errors import InputError

_CORPUS_VERSION = 1      # part of the .done stamp: bump when generation changes, so corpora are rebuilt


def check_builtin_config(cfg: BuiltinCorpusConfig, where: str = "corpus config") -> None:
    """Raise InputError naming `where` if the corpus config cannot give what it promises."""
    check_mixing_config(cfg, where)
    sets = {name: list(getattr(cfg, f"{name}_variants")) for name in SETS}
    known = set(tts.available_variants())
    problems = [
        (not 1 <= cfg.words_min <= cfg.words_max, "need 1 <= words_min <= words_max"),
        (cfg.speakers_per_rec_max < 1, "speakers_per_rec_max must be >= 1"),
        (not cfg.languages, "languages is empty"),
    ]
    for name, variants in sets.items():
        problems.append((not variants, f"{name}_variants is empty"))
        unknown = sorted(set(variants) - known)
        problems.append((bool(unknown), f"{name}_variants: unknown espeak-ng variant(s) {unknown}; "
                                        f"valid: {', '.join(sorted(known))}"))
    for a, b in (("train", "dev"), ("train", "test"), ("dev", "test")):
        both = sorted(set(sets[a]) & set(sets[b]))
        problems.append((bool(both), f"variant(s) {both} in both {a}_variants and {b}_variants; "
                                     "sets must not share voices"))
    for ok_fail, message in problems:
        if ok_fail:
            raise InputError(f"{where}: {message}")
    synth = tts.Synthesizer()
    for lang in cfg.languages:
        tts.random_sentence(np.random.default_rng(0), lang)  # raises for a language without a word list
        synth.set_voice(lang)


# ---------------------------------------------------------------- the built-in corpus
def _tts_source(rng: np.random.Generator, cfg: BuiltinCorpusConfig, set_name: str) -> UtteranceSource:
    """Utterances of 1..speakers_per_rec_max talkers drawn from the set's variants, at the target rate."""
    synth = tts.Synthesizer()
    synth.reset(int(rng.integers(2 ** 31)))  # so the recording does not depend on what came before
    variants = list(getattr(cfg, f"{set_name}_variants"))
    voices = [tts.random_voice(rng, cfg.languages, variants, (cfg.rate_wpm_min, cfg.rate_wpm_max),
                               (cfg.pitch_min, cfg.pitch_max), (cfg.pitch_range_min, cfg.pitch_range_max))
              for _ in range(int(rng.integers(1, cfg.speakers_per_rec_max + 1)))]

    def next_utterance() -> np.ndarray:
        voice = voices[int(rng.integers(len(voices)))]
        text = tts.random_sentence(rng, voice.name.split("+")[0], cfg.words_min, cfg.words_max)
        x, sr = synth.speak(text, voice)
        return io.resample(x, sr, cfg.sample_rate_hz)
    return next_utterance


def make_builtin_recording(cfg: BuiltinCorpusConfig, set_name: str, index: int) -> tuple[np.ndarray, Segments]:
    """Recording `index` of a set: (samples (n,) float32 at cfg.sample_rate_hz, speech regions)."""
    duration_s, rng = draw_duration_s(cfg, set_name, index)  # first draw, as in set_durations
    source_rng, mix_rng = rng.spawn(2)
    return make_recording(mix_rng, _tts_source(source_rng, cfg, set_name), duration_s, cfg)


def _signature(cfg: BuiltinCorpusConfig) -> dict:
    return {"corpus": "builtin", "generator_version": _CORPUS_VERSION, "config": config.to_dict(cfg)}


def make_builtin_corpus(cfg: BuiltinCorpusConfig, out_dir: str | os.PathLike, num_jobs: int = 1,
                        where: str = "corpus config") -> bool:
    """Build OUT_DIR/{train,dev,test}/<rec_id>.wav (16-bit PCM) and .../rttm; False if already up to date.

    See build_corpus; `where` names the config in error messages.
    """
    def jobs(tmp: Path) -> list[tuple]:
        return [(make_builtin_recording, (cfg, s, i), s, str(tmp / s / f"builtin_{s}_{i + 1:04d}.wav"),
                 cfg.sample_rate_hz) for s in SETS for i in range(len(set_durations(cfg, s)))]
    return build_corpus(out_dir, _signature(cfg), jobs, BuiltinCorpusConfig, num_jobs,
                        lambda: check_builtin_config(cfg, where), desc="builtin corpus")
