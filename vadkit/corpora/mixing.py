"""Recordings from clean utterances and non-speech, with reference speech labels; the built-in corpus.

Reference labels come from each clean utterance before mixing, at the output sample rate:
the utterance is cut into non-overlapping `label_frame_ms` (10 ms) frames (the last one zero-padded);
a frame is speech when its energy (mean square) is more than the utterance's loudest frame minus
`label_floor_db` (30 dB); gaps between speech frames shorter than `label_fill_gap_ms` (200 ms) are filled,
because annotators keep short pauses inside speech; then speech regions shorter than
`label_min_speech_ms` (50 ms) are dropped.  Boundaries therefore fall on the 10 ms frame grid of the
utterance.  Everything else in a recording (pauses, background bed, events) is non-speech.

A recording (`make_recording`) is built from any source of clean utterances (a callable returning the
next one at the target rate) and, optionally, any source of background and event sounds (callables
`(rng, n_samples, sample_rate_hz) -> (n_samples,)`), so real speech and noise (vadkit.real_mix) can
replace the synthetic ones:
  1. utterances are taken until the labelled speech reaches a ratio drawn uniformly inside
     [speech_ratio_min, speech_ratio_max] (2 points of margin each side); the last one is cut short
     (with a 20 ms fade) if it would overshoot the ratio or the length; each gets a random gain;
  2. pauses of at least `min_pause_s` separate utterances and the ends, the spare time split at random;
  3. a background bed (default: 1-2 stationary generators of vadkit.noise) runs under the whole
     recording at an SNR uniform in [snr_db_min, snr_db_max] against the active-speech power (power over
     labelled speech);
  4. with probability `event_prob`, a pause gets a non-speech event (default: tone, beeps, DTMF, chords,
     clicks, burst, sweep) at event_db_min..event_db_max against the active-speech power (its peak
     capped at the speech peak), 0.1 s away from speech;
  5. the sum is scaled to a peak uniform in [peak_dbfs_min, peak_dbfs_max] dBFS.
"""
from __future__ import annotations

import logging
import math
import multiprocessing
import os
import shutil
import zlib
from pathlib import Path
from typing import Callable

import numpy as np

from vadkit import config, intervals, io
from vadkit.config import MixingConfig
from vadkit.corpora import sounds
from vadkit.errors import InputError
from vadkit.intervals import fill_gaps, speech_seconds

log = logging.getLogger(__name__)


Segments = intervals.Segments
UtteranceSource = Callable[[], np.ndarray]  # returns the next clean utterance: (n,) float32 at the target rate
SoundSource = Callable[[np.random.Generator, int, int], np.ndarray]  # (rng, n_samples, rate_hz) -> (n_samples,)
SpeechFx = Callable[[np.ndarray, "Segments"], np.ndarray]             # (speech track, regions) -> new track
LoudEvent = Callable[[], "float | None"]                               # an event's level in dB, or None: usual

SETS = ("train", "dev", "test")
_RATIO_MARGIN = 0.02     # keeps ratios off the limits, so ms rounding of boundaries cannot cross them
_MIN_UTT_S = 0.3         # do not start an utterance with less room than this
_EVENT_GAP_S = 0.1       # events keep this far from speech
_MAX_EMPTY = 50          # utterances without any speech in a row before giving up


# ---------------------------------------------------------------- reference labels
def _runs(mask: np.ndarray) -> list[list[int]]:
    """[start, end) index pairs of the True runs of a 1-d bool array."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return [[int(s), int(e)] for s, e in zip(edges[::2], edges[1::2])]


def speech_labels(x: np.ndarray, sample_rate_hz: int, *, floor_db: float, frame_ms: float,
                  fill_gap_ms: float, min_speech_ms: float) -> Segments:
    """Speech regions of one clean utterance by the rule in the module docstring.

    x: (n,) samples.  The thresholds have no defaults here: BuiltinCorpusConfig's label_* keys hold them.
    Returns sorted, non-overlapping [(start_s, end_s)] inside [0, n / sample_rate_hz].
    """
    hop = max(1, int(round(sample_rate_hz * frame_ms / 1000)))
    n_frames = math.ceil(len(x) / hop)
    if n_frames == 0:
        return []
    frames = np.zeros(n_frames * hop)
    frames[:len(x)] = x
    energy = np.mean(frames.reshape(n_frames, hop) ** 2, axis=1)
    if energy.max() <= 0:
        return []
    runs: list[list[int]] = []
    for s, e in _runs(energy > energy.max() * 10 ** (-floor_db / 10)):
        if runs and (s - runs[-1][1]) * hop / sample_rate_hz * 1000 < fill_gap_ms:
            runs[-1][1] = e
        else:
            runs.append([s, e])
    duration_s = len(x) / sample_rate_hz
    return [(s * hop / sample_rate_hz, min(e * hop / sample_rate_hz, duration_s)) for s, e in runs
            if (e - s) * hop / sample_rate_hz * 1000 >= min_speech_ms]


def reference_labels(x: np.ndarray, cfg: MixingConfig) -> Segments:
    """speech_labels with the label_* settings of a corpus config."""
    return speech_labels(x, cfg.sample_rate_hz, floor_db=cfg.label_floor_db, frame_ms=cfg.label_frame_ms,
                         fill_gap_ms=cfg.label_fill_gap_ms, min_speech_ms=cfg.label_min_speech_ms)


# ---------------------------------------------------------------- one recording
def _take_utterances(rng: np.random.Generator, next_utterance: UtteranceSource, duration_s: float,
                     cfg: MixingConfig) -> list[tuple[np.ndarray, Segments]]:
    """Clean utterances, each trimmed to its labelled extent, until the drawn speech ratio is reached."""
    sr = cfg.sample_rate_hz
    hi = cfg.speech_ratio_max - _RATIO_MARGIN
    target_s = rng.uniform(cfg.speech_ratio_min + _RATIO_MARGIN, hi) * duration_s
    utts: list[tuple[np.ndarray, Segments]] = []
    used_len_s = used_speech_s = 0.0
    empty = 0
    while used_speech_s < target_s:
        room_s = duration_s - used_len_s - cfg.min_pause_s * (len(utts) + 2)
        allowed_s = min(room_s, hi * duration_s - used_speech_s)
        if allowed_s < _MIN_UTT_S:
            break
        u = np.asarray(next_utterance(), dtype=np.float32)
        segs = reference_labels(u, cfg)
        if not segs:
            empty += 1
            if empty >= _MAX_EMPTY:
                raise InputError(f"{empty} utterances in a row have no speech by the label rule")
            continue
        empty = 0
        u = u[int(round(segs[0][0] * sr)):int(round(segs[-1][1] * sr))]
        if len(u) > allowed_s * sr:
            u = u[:int(allowed_s * sr)] * _fade_out(int(allowed_s * sr), sr)
        u = (u * 10 ** (rng.uniform(-1, 1) * cfg.utt_gain_db_max / 20)).astype(np.float32)
        segs = reference_labels(u, cfg)
        utts.append((u, segs))
        used_len_s += len(u) / sr
        used_speech_s += speech_seconds(segs)
    return utts


def _fade_out(n: int, sr: int, fade_ms: float = 20.0) -> np.ndarray:
    env = np.ones(n)
    k = min(n, int(sr * fade_ms / 1000))
    env[n - k:] = np.linspace(1.0, 0.0, k)
    return env


def _place(rng: np.random.Generator, utts: list[tuple[np.ndarray, Segments]], n_samples: int,
           cfg: MixingConfig) -> tuple[np.ndarray, Segments]:
    """Speech track (n_samples,) with utterances separated by random pauses, and its merged regions."""
    sr = cfg.sample_rate_hz
    n_gaps = len(utts) + 1
    min_gap = int(cfg.min_pause_s * sr)
    spare = max(0, n_samples - sum(len(u) for u, _ in utts) - n_gaps * min_gap)
    gaps = min_gap + np.floor(spare * rng.dirichlet(np.ones(n_gaps))).astype(int)
    track = np.zeros(n_samples, np.float32)
    regions: Segments = []
    pos = 0
    for (u, segs), gap in zip(utts, gaps):
        pos += int(gap)
        track[pos:pos + len(u)] = u
        regions += [(round(pos / sr + s, 3), round(pos / sr + e, 3)) for s, e in segs]
        pos += len(u)
    end_s = n_samples / sr
    return track, intervals.merge_segments([(s, min(e, end_s)) for s, e in regions if s < end_s])


def _mask(segments: Segments, n_samples: int, sr: int) -> np.ndarray:
    mask = np.zeros(n_samples, bool)
    for s, e in segments:
        mask[int(round(s * sr)):int(round(e * sr))] = True
    return mask


def _bed(rng: np.random.Generator, n_samples: int, sr: int) -> np.ndarray:
    """1-2 different background generators, the second 0-10 dB weaker, at unit RMS overall."""
    names = rng.choice(sorted(sounds.BED_GENERATORS), size=int(rng.integers(1, 3)), replace=False)
    return layer(rng, [sounds.BED_GENERATORS[name](rng, n_samples, sr) for name in names])


def layer(rng: np.random.Generator, sounds: list[np.ndarray]) -> np.ndarray:
    """Sum of equal-length sounds, each at unit RMS, every one after the first 0-10 dB weaker; unit RMS.

    The gains are drawn from rng one after the other (the built-in corpus depends on this order).
    """
    bed = np.zeros(len(sounds[0]))
    for i, x in enumerate(sounds):
        x = np.asarray(x, dtype=np.float64)
        bed += x / np.sqrt(np.mean(x ** 2)) * (10 ** (-rng.uniform(0, 10) / 20) if i else 1.0)
    return bed / np.sqrt(np.mean(bed ** 2))


def one_sound(rng: np.random.Generator, generators: dict, n_samples: int, sr: int) -> np.ndarray:
    """n_samples of one of `generators` (vadkit.corpora.sounds' BED_ or EVENT_GENERATORS), chosen at random."""
    kinds = sorted(generators)
    return generators[kinds[rng.integers(len(kinds))]](rng, n_samples, sr)


def _event(rng: np.random.Generator, n_samples: int, sr: int) -> np.ndarray:
    """One synthetic non-speech event (vadkit.corpora.sounds.EVENT_GENERATORS, chosen at random)."""
    return one_sound(rng, sounds.EVENT_GENERATORS, n_samples, sr)


def _add_events(rng: np.random.Generator, x: np.ndarray, segments: Segments, speech_rms: float,
                speech_peak: float, cfg: MixingConfig, event: SoundSource, loud: LoudEvent | None = None) -> None:
    """Add non-speech events (in place) into some of the pauses between labelled speech, each at
    event_db_min..max against the speech power and never peaking above the speech; `loud` (called once
    per event) may instead give a level in dB for it, with no peak limit."""
    sr = cfg.sample_rate_hz
    edges = [0.0] + [t for seg in segments for t in seg] + [len(x) / sr]
    for start_s, end_s in zip(edges[::2], edges[1::2]):
        room_s = end_s - start_s - 2 * _EVENT_GAP_S
        if room_s < 0.1 or rng.random() >= cfg.event_prob:
            continue
        length_s = rng.uniform(0.1, min(room_s, 2.0))
        k0 = int((start_s + _EVENT_GAP_S + rng.uniform(0, room_s - length_s)) * sr)
        n = int(length_s * sr)
        ev = np.asarray(event(rng, n, sr), dtype=np.float64)
        if not np.any(ev):
            continue
        level_db = rng.uniform(cfg.event_db_min, cfg.event_db_max)
        loud_db = loud() if loud is not None else None
        gain = speech_rms * 10 ** ((level_db if loud_db is None else loud_db) / 20) / np.sqrt(np.mean(ev ** 2))
        x[k0:k0 + n] += ev * (gain if loud_db is not None else min(gain, speech_peak / np.max(np.abs(ev))))


def make_recording(rng: np.random.Generator, next_utterance: UtteranceSource, duration_s: float,
                   cfg: MixingConfig, bed: SoundSource = _bed, event: SoundSource = _event,
                   speech_fx: SpeechFx | None = None, fill_gaps_ms: float = 0.0,
                   loud_event: LoudEvent | None = None) -> tuple[np.ndarray, Segments]:
    """One recording as in the module docstring: (samples (n,) float32 at cfg.sample_rate_hz, regions).

    next_utterance: returns the next clean utterance at cfg.sample_rate_hz (any speech source).
    bed: the background under the whole recording, at unit RMS (scaled here to the drawn SNR);
    event: one non-speech sound for a pause.  Both default to the synthetic generators.
    speech_fx: (speech track, regions) -> new track, applied before the levels are measured (reverb,
    a second talker, music under speech: vadkit.real_mix); the regions stay those of the clean speech.
    fill_gaps_ms > 0: after the ratio check, non-speech gaps shorter than this between labelled regions
    become speech (turn-level labels), before events are placed, so events stay in non-speech.
    loud_event: called for each event; a level in dB (against the speech power) makes it that loud with no
    peak limit (it may be louder than the speech), None keeps the usual level.
    Regions: merged [(start_s, end_s)], ms precision, inside [0, duration_s]; their total lies in
    [speech_ratio_min, speech_ratio_max] x duration.
    """
    sr = cfg.sample_rate_hz
    n = int(round(duration_s * sr))
    track, segments = _place(rng, _take_utterances(rng, next_utterance, duration_s, cfg), n, cfg)
    ratio = speech_seconds(segments) * sr / n
    if not cfg.speech_ratio_min <= ratio <= cfg.speech_ratio_max:
        raise InputError(f"speech ratio {ratio:.3f} of a {duration_s:.1f} s recording is outside "
                         f"[{cfg.speech_ratio_min}, {cfg.speech_ratio_max}]: the utterances hold too much "
                         "silence; use longer recordings or denser utterances")
    if speech_fx is not None:
        track = np.asarray(speech_fx(track, segments), dtype=np.float32)
    active = track[_mask(segments, n, sr)].astype(np.float64)
    speech_rms, speech_peak = float(np.sqrt(np.mean(active ** 2))), float(np.max(np.abs(active)))
    snr_db = rng.uniform(cfg.snr_db_min, cfg.snr_db_max)
    x = track + np.asarray(bed(rng, n, sr), dtype=np.float64) * speech_rms * 10 ** (-snr_db / 20)
    if fill_gaps_ms > 0:
        segments = fill_gaps(segments, fill_gaps_ms / 1000)
    _add_events(rng, x, segments, speech_rms, speech_peak, cfg, event, loud_event)
    x *= 10 ** (rng.uniform(cfg.peak_dbfs_min, cfg.peak_dbfs_max) / 20) / np.max(np.abs(x))
    return x.astype(np.float32), segments


# ---------------------------------------------------------------- corpora of mixed recordings
def check_mixing_config(cfg: MixingConfig, where: str = "corpus config") -> None:
    """Raise InputError naming `where` if the sizes, levels or label rule cannot give what they promise."""
    problems = [
        (cfg.sample_rate_hz < 8000, "sample_rate_hz must be at least 8000"),
        (min(cfg.train_minutes, cfg.dev_minutes, cfg.test_minutes, getattr(cfg, "xdev_minutes", 1)) <= 0,
         "every *_minutes must be > 0"),
        (not 0 < cfg.min_rec_s <= cfg.max_rec_s, "need 0 < min_rec_s <= max_rec_s"),
        (not 0 < cfg.speech_ratio_min < cfg.speech_ratio_max - 2 * _RATIO_MARGIN < 1,
         f"need 0 < speech_ratio_min < speech_ratio_max - {2 * _RATIO_MARGIN} < 1"),
        (cfg.min_pause_s * 1000 <= cfg.label_fill_gap_ms,
         "min_pause_s must exceed label_fill_gap_ms, or pauses between utterances would be labelled speech"),
        (cfg.snr_db_min > cfg.snr_db_max or cfg.peak_dbfs_min > cfg.peak_dbfs_max
         or cfg.event_db_min > cfg.event_db_max, "a *_db_min or *_dbfs_min exceeds its *_max"),
        (cfg.peak_dbfs_max > 0, "peak_dbfs_max > 0 would clip"),
    ]
    for ok_fail, message in problems:
        if ok_fail:
            raise InputError(f"{where}: {message}")


def recording_rng(seed: int, set_name: str, index: int) -> np.random.Generator:
    """The generator of one recording: depends on (seed, set, index) only, so a recording stays the same
    whatever the sizes of the sets (crc32, not hash(): Python salts string hashes per process)."""
    return np.random.default_rng([seed, zlib.crc32(set_name.encode()), index])


def set_key(set_name: str, version: int = 0) -> str:
    """The name that seeds a set's recordings: the set, or "<set>/v<version>" for a further mixing of it."""
    return f"{set_name}/v{version}" if version else set_name


def base_set(key: str) -> str:
    """The set of a set_key: "train/v2" -> "train"."""
    return key.split("/")[0]


def _draw_duration_s(rng: np.random.Generator, cfg: MixingConfig) -> float:
    return round(float(rng.uniform(cfg.min_rec_s, cfg.max_rec_s)), 3)


def set_durations(cfg: MixingConfig, set_name: str) -> list[float]:
    """Lengths (s) of the recordings of a set (or a set_key): as many as it takes to reach `<set>_minutes`."""
    total_s, durations = 60.0 * getattr(cfg, f"{base_set(set_name)}_minutes"), []
    while sum(durations) < total_s:
        durations.append(_draw_duration_s(recording_rng(cfg.seed, set_name, len(durations)), cfg))
    return durations


def draw_duration_s(cfg: MixingConfig, set_name: str, index: int) -> tuple[float, np.random.Generator]:
    """(length of recording `index` of a set, the recording's generator after that first draw)."""
    rng = recording_rng(cfg.seed, set_name, index)
    return _draw_duration_s(rng, cfg), rng


def _build_one(job: tuple) -> tuple[str, str, Segments, float]:
    """Pool worker: make one recording with job's function, write its wav; (set, rec_id, regions, dur_s)."""
    make, args, set_name, wav_path, sr = job
    x, segments = make(*args)
    io.write_wav(wav_path, x, sr)
    return set_name, Path(wav_path).stem, segments, len(x) / sr


def _generate(tmp: Path, jobs: list[tuple], num_jobs: int, desc: str) -> None:
    """Run the jobs ((make, args, set, wav path, rate) each) into `tmp`; one rttm per set; log sizes."""
    from tqdm import tqdm
    sets = list(dict.fromkeys([*SETS, *(j[2] for j in jobs)]))   # train, dev, test and any other (xdev)
    regions: dict[str, dict[str, Segments]] = {s: {} for s in sets}
    seconds = {s: 0.0 for s in sets}
    with multiprocessing.get_context("spawn").Pool(num_jobs) if num_jobs > 1 else _Serial() as pool:
        for set_name, rec_id, segs, dur_s in tqdm(pool.imap(_build_one, jobs), total=len(jobs),
                                                  desc=desc, unit="rec"):
            regions[set_name][rec_id] = segs
            seconds[set_name] += dur_s
    for s in sets:
        io.write_rttm(tmp / s / "rttm", regions[s])
        speech_s = sum(speech_seconds(v) for v in regions[s].values())
        log.info("%s: %d recordings, %.1f min, %.1f %% speech", s, len(regions[s]), seconds[s] / 60,
                 100 * speech_s / max(seconds[s], 1e-9))


class _Serial:
    """Stands in for a Pool when num_jobs is 1 (no worker processes)."""
    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None

    imap = staticmethod(map)


def build_corpus(out_dir: str | os.PathLike, signature: dict, make_jobs: Callable[[Path], list[tuple]],
                 config_class: type, num_jobs: int = 1, check: Callable[[], object] = lambda: None,
                 desc: str = "corpus") -> bool:
    """Build a corpus OUT_DIR/{train,dev,test}/<rec_id>.wav + rttm; False if already up to date.

    OUT_DIR/.done (written last, io.write_stamp) records `signature` (the config and anything else the
    output depends on); a matching one means there is nothing to do.  `check()` runs before any work; `make_jobs(tmp)` gives the
    recordings to make under `tmp` (see _generate) and may write files of its own there.  signature["config"]
    is a `config_class`; a .done written before one of its keys existed counts that key at its default.
    The corpus is built under a temporary name beside OUT_DIR and renamed into place, so an interrupted
    run never leaves a half corpus.
    """
    out = Path(out_dir)
    if (out / ".done").is_file():
        def upgrade(recorded: dict) -> dict:
            return config.with_defaults(recorded, "config", config_class)
        if io.is_current(out / ".done", signature, upgrade=upgrade):
            log.info("%s is up to date", out)
            return False
        log.info("%s was made with another config; rebuilding it", out)
    elif out.exists() and any(out.iterdir()):
        raise InputError(f"{out}: exists but holds no finished corpus (no .done); "
                         "remove it or choose another output directory")
    check()
    tmp = out.with_name(f".{out.name}.partial")
    if tmp.exists():
        shutil.rmtree(tmp)  # left by an interrupted run
    _generate(tmp, make_jobs(tmp), max(1, num_jobs), desc)
    io.write_stamp(tmp / ".done", signature)
    old = out.with_name(f".{out.name}.old")
    if out.exists():
        if old.exists():
            shutil.rmtree(old)
        os.replace(out, old)
    os.replace(tmp, out)
    if old.exists():
        shutil.rmtree(old)
    return True
