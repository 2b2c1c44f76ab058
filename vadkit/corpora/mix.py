"""The mix corpus: real clean speech utterances and real noise/music from folders, mixed by vadkit.mix.

Sources (every file whose extension is in `audio_extensions`, found recursively by vadkit.io.find_audio,
in sorted order):
- speech folders hold clean utterances.  The speaker of a file is the first group of the first
  `speaker_patterns` regex that matches its path relative to the folder ("/"-separated: LibriSpeech
  `<spk>-<chapter>-<utt>`, Speech Commands `<hash>_nohash_<n>`); otherwise the folder it is in
  (`<folder name>/<relative dir>`), so a corpus laid out one folder per speaker needs no pattern.
- noise folders and noise lists (one path per line) hold noise and music.  Everything in them is
  labelled non-speech: never give them recordings with voices in them (MUSAN's speech, sung music).
Every file is read at the recipe rate (`sample_rate_hz`, resampled once when read).

Usable utterances: the reference-label rule of vadkit.mix finds speech in them (energy within
`label_floor_db` of the utterance's loudest 10 ms frame, gaps under `label_fill_gap_ms` filled, regions
under `label_min_speech_ms` dropped; a pause inside an utterance longer than the gap is non-speech), and
an utterance of at least `clean_check_min_s` (0.9 s) whose quietest 10 % of frames lie less than
`clean_min_range_db` (30 dB, the label floor) below its loudest frame is left out: it has no real pause
(noise or music under it), so the rule would call its pauses speech.  Shorter ones cannot be judged (a
word can be all speech).

Split (no speaker, no noise file in two sets): speakers are put in the order of crc32("<seed>:<speaker>");
in that order test takes speakers until it holds `test_share` of the usable labelled speech, then dev
until `dev_share`, and train the rest.  Noise files the same way by duration (`noise_test_share`,
`noise_dev_share`), so dev and test never hear a training noise.  Every set gets at least one of each.
Cross-domain dev (`xdev`, when `xdev_speech_pattern` or `xdev_noise_pattern` is set): the speech and noise
files whose paths match are held out of train, dev and test before the split and mixed into xdev alone
(xdev takes dev's speakers or noises where its pattern is empty), so selecting on xdev rewards models
that hold up on kinds of speech or noise they never heard.

Recordings (vadkit.mix.make_recording; seeded by (seed, set, index) as the built-in corpus):
utterances drawn at random (with replacement) from the set's utterances, each peak-normalised to 0.5
before its random gain, so speakers of several corpora are mixed within a recording; under them 1 to
`bed_files_max` different noise files of the set (a random excerpt each, looped when the file is
shorter; each at unit RMS, the later ones 0-10 dB weaker); in pauses, with probability `event_prob`,
an excerpt (0.1-2 s, 5 ms fades) of a noise file of the set.

Label policy (`label_policy`): `energy` is the rule above; `tight` the same with no gap filled (pure
energy labels); `fill` the energy rule, then every non-speech gap of the recording shorter than
`label_policy_gap_ms` (also between utterances, when min_pause_s allows such pauses) becomes speech, as
human turn-level RTTM keeps short pauses inside a turn.  The speech-ratio range holds for the energy
labels; filling can raise a recording's ratio above it.  Events are placed after the filling.

Augmentations (vadkit.augment; each on for a recording with probability `<name>_prob`, 0 = off, drawn
from generators spawned after the ones above, so a config with all of them off gives the same corpus):
on the speech track, before the levels are measured: `overlap` (a second utterance of the set, trimmed
to its labelled extent, starts inside a labelled region of >= 0.3 s and is cut at its end with a 20 ms
fade, overlap_db_min..max against the region's level: so it adds no label), `reverb` (RIR model in
vadkit.augment; the tail past an utterance stays non-speech), `music` (an excerpt of a noise file of
the set whose path matches `music_pattern`, from 0.5 s before the first to 0.5 s after the last speech,
at music_snr_db_min..max below the speech; skipped when the set has no such file); then on the whole
mixture: `eq` (tilt and gain), `lowpass` (band-limited at a random cut-off) and `telephone` (300-3400 Hz,
G.711 mu-law or A-law at 8 kHz).  `speed` acts on each utterance as it is read (its labels are found on
the sped-up utterance).  Labels are always those of the clean speech.

Train-only levers (dev, test and xdev stay as they were, so scores remain comparable): `synth_noise_prob`
makes each background layer and pause event, with that chance, one of the built-in procedural sounds
(vadkit.corpora.sounds: coloured noise, hum, engine; tones, beeps, DTMF, chords, clicks, bursts, sweeps)
instead of a real file; `synth_music_prob` makes them, with that chance (drawn first), procedural instrument
music (vadkit.corpora.sounds.MUSIC_GENERATORS: plucked, struck and bowed melodies over chords, some with
drums), the kind of non-speech the ~25 training noise files hold least of; `synth_crackle_prob` makes a pause
event, with that chance (drawn before both), procedural creaks and crackle; `noise_speed_prob` plays a real
noise excerpt noise_speed_min..max times as fast (creaks, steps and hums at other pitches and rhythms);
`noise_only_prob` makes a recording with no speech at all (background and events,
scaled to the same peak range), so loud noise alone is never a cue for speech; `tts_prob` makes an
utterance espeak-ng speaking a random sentence in one of `tts_languages` (vadkit.corpora.tts: a random
variant, the built-in corpus's rate and pitch ranges), so languages beyond the read English of the folders
are heard; `reverb_image_prob` makes a reverberated recording's impulse response, with that chance, an
image-source shoebox room's (vadkit.corpora.augment.image_rir) instead of the statistical model's.
`train_noise_prob` takes a real-noise layer or event, with that chance, from the train-only pool
(`--train-noise-dir`: files outside the split, e.g. local/download_noise.py's Debian sounds) instead of
the set's own noise, so training hears kinds no scored set holds; `train_noise_where: pauses` keeps the pool
out of the beds under speech (pause events and noise-only recordings only).
`loud_event_prob` makes a pause event, with that chance, loud_event_db_min..max (default -5..+10 dB) against
the speech power with no peak limit, so training hears non-speech louder than the speech around it (elsewhere
an event stays below the speech and never peaks above it).
`vtlp_prob`, `pitch_prob`, `whisper_prob` and `shout_prob` make an utterance another voice or speaking style
(vadkit.corpora.augment: formants moved, pitch moved, whisper-like, shout-like; timing kept), each with its
chance, whisper and shout never both.
`train_versions` K > 1 mixes the train set K times from the same files (version v of recording
i is seeded by (seed, "train/v<v>", i): new pairings, pauses, SNRs, levels and effects; version 0 is the train
set of K = 1), and training reads one version per epoch (vadkit.train.training), so its epochs hear new mixtures
rather than the same ones again.
"""
from __future__ import annotations

import dataclasses
import functools
import logging
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from vadkit import config, intervals, io
from vadkit.corpora import augment, mixing, sounds, tts
from vadkit.config import BuiltinCorpusConfig, MixCorpusConfig
from vadkit.errors import InputError

log = logging.getLogger(__name__)

_VERSION = 1          # part of the .done stamp: bump when generation changes
LABEL_POLICIES = ("energy", "tight", "fill")
TRAIN_NOISE_WHERE = ("all", "pauses")   # where the train-only pool may sound: anywhere, or not under speech
AUGMENTATIONS = ("speed", "overlap", "reverb", "music", "eq", "lowpass", "telephone")   # in the order applied
_QUIET_PERCENTILE = 10
_PEAK = 0.5


@dataclass(frozen=True)
class Source:
    """One audio file: its path, its group (speaker for speech, the file itself for noise), its weight
    in the split (labelled speech seconds, or duration seconds for noise)."""
    path: str
    group: str
    seconds: float


# ---------------------------------------------------------------- the sources
def speaker_of(rel_path: str, folder_name: str, patterns: Sequence[str]) -> str:
    """Speaker id of a speech file from its path relative to its speech folder (module docstring)."""
    for pat in patterns:
        m = re.search(pat, rel_path)
        if m:
            return m.group(1)
    parent = rel_path.rpartition("/")[0]
    return f"{folder_name}/{parent}" if parent else folder_name


def _relative(path: Path, dirs: Sequence[str | Path]) -> tuple[str, str]:
    """(path relative to the speech folder holding it, that folder's name)."""
    for d in dirs:
        try:
            return path.relative_to(d).as_posix(), Path(d).resolve().name
        except ValueError:
            continue
    return path.name, path.parent.name


# ---------------------------------------------------------------- usable utterances
def is_clean(x: np.ndarray, cfg: MixCorpusConfig) -> bool:
    """False for an utterance of >= clean_check_min_s whose quiet frames are near its loudest (docstring)."""
    sr = cfg.sample_rate_hz
    if len(x) < cfg.clean_check_min_s * sr:
        return True
    hop = max(1, int(round(sr * cfg.label_frame_ms / 1000)))
    n = len(x) // hop
    energy = np.mean(x[:n * hop].astype(np.float64).reshape(n, hop) ** 2, axis=1)
    if energy.max() <= 0:
        return False
    quiet = np.percentile(energy, _QUIET_PERCENTILE)
    return bool(quiet <= energy.max() * 10 ** (-cfg.clean_min_range_db / 10))


def scan_speech(files: Sequence[Path], dirs: Sequence[str | Path], cfg: MixCorpusConfig) -> tuple[list[Source], list[str]]:
    """Usable utterances (Source: path, speaker, labelled speech seconds) and lines naming the rejected."""
    from tqdm import tqdm
    usable, rejected = [], []
    for p in tqdm(files, desc="speech files", unit="file", mininterval=5):
        if io.audio_info(p)[0] < cfg.min_source_rate_hz:
            rejected.append(f"{p}\trecorded below min_source_rate_hz ({cfg.min_source_rate_hz} Hz)")
            continue
        x, _ = io.read_audio(p, cfg.sample_rate_hz)
        speech_s = intervals.speech_seconds(mixing.reference_labels(x, label_config(cfg)))
        if speech_s == 0:
            rejected.append(f"{p}\tno speech by the label rule")
        elif not is_clean(x, cfg):
            rejected.append(f"{p}\tno pause {cfg.clean_min_range_db:g} dB below its peak (noisy)")
        else:
            rel, folder = _relative(p, dirs)
            usable.append(Source(str(p), speaker_of(rel, folder, cfg.speaker_patterns), speech_s))
    return usable, rejected


def scan_noise(files: Sequence[Path]) -> list[Source]:
    """Noise files (Source: path, path, duration seconds from the header)."""
    out = []
    for p in files:
        rate, n = io.audio_info(p)
        if n == 0:
            raise InputError(f"{p}: audio is empty (0 samples); remove it from the noise folder or list")
        out.append(Source(str(p), str(p), n / rate))
    return out


# ---------------------------------------------------------------- the split
def split(sources: Sequence[Source], seed: int, dev_share: float, test_share: float,
          what: str) -> dict[str, list[Source]]:
    """{set: sources} with no group in two sets, by the rule in the module docstring."""
    weight: dict[str, float] = {}
    for s in sources:
        weight[s.group] = weight.get(s.group, 0.0) + s.seconds
    if len(weight) < 3:
        raise InputError(f"{what}: {len(weight)} group(s) found, need at least 3 (one per set); add data")
    order = sorted(weight, key=lambda g: (zlib.crc32(f"{seed}:{g}".encode()), g))
    total, taken, assign = sum(weight.values()), 0.0, {}
    for name, share in (("test", test_share), ("dev", dev_share)):
        start = taken
        for g in order:
            if g not in assign and (taken - start < share * total or taken == start):
                assign[g] = name
                taken += weight[g]
    out: dict[str, list[Source]] = {name: [] for name in mixing.SETS}
    for s in sources:
        out[assign.get(s.group, "train")].append(s)
    if not out["train"]:
        raise InputError(f"{what}: nothing left for train; lower the dev/test shares or add data")
    return out


def sets_of(cfg: MixCorpusConfig) -> tuple[str, ...]:
    """The corpus's sets: train, dev, test, and xdev when a held-out pattern is set."""
    return (*mixing.SETS, "xdev") if cfg.xdev_speech_pattern or cfg.xdev_noise_pattern else mixing.SETS


def hold_out(sources: Sequence[Source], pattern: str) -> tuple[list[Source], list[Source]]:
    """(sources kept, sources whose path matches `pattern`): the held-out kinds of the xdev set."""
    held = [bool(pattern) and re.search(pattern, s.path) is not None for s in sources]
    return [s for s, h in zip(sources, held) if not h], [s for s, h in zip(sources, held) if h]


def split_with_xdev(sources: Sequence[Source], pattern: str, seed: int, dev_share: float, test_share: float,
                    what: str, xdev: bool) -> dict[str, list[Source]]:
    """split() of the sources not held out; with xdev, the held-out ones (or dev's, when none is) as xdev."""
    kept, held = hold_out(sources, pattern)
    if pattern and not held:
        raise InputError(f"xdev_{what}_pattern {pattern!r} matches no {what} file; fix the pattern")
    out = split(kept, seed, dev_share, test_share, what)
    if xdev:
        out["xdev"] = held or out["dev"]
    return out


# ---------------------------------------------------------------- one recording
@functools.lru_cache(maxsize=None)
def _info(path: str) -> tuple[int, int]:
    return io.audio_info(path)


def excerpt(rng: np.random.Generator, path: str, n: int, sr: int) -> np.ndarray:
    """n samples at rate sr of an audio file from a random start, looping when the file is shorter.

    Only the excerpt is read (MUSAN music files last minutes), then resampled to sr.
    """
    rate, total = _info(path)
    need = int(np.ceil(n * rate / sr)) + 1
    start = int(rng.integers(total))
    if total - start >= need:
        x = io.resample(io.read_audio_part(path, start, need), rate, sr)
    else:
        whole = io.resample(io.read_audio_part(path, 0, total), rate, sr)
        x = np.resize(np.roll(whole, -int(start * sr / rate)), n)
    return np.pad(x[:n], (0, max(0, n - len(x))))


def _audible(rng: np.random.Generator, path: str, n: int, sr: int, tries: int = 10) -> np.ndarray:
    """An excerpt that is not (near) digital silence, so scaling it to unit RMS stays finite."""
    for _ in range(tries):
        e = excerpt(rng, path, n, sr)
        if np.sqrt(np.mean(np.square(e, dtype=np.float64))) > 1e-5:
            return e
    return 1e-3 * sounds.white(rng, n, sr)  # a silent file: a faint hiss rather than dividing by zero


def _tts_source(rng: np.random.Generator, cfg: MixCorpusConfig):
    """() -> a random sentence spoken by espeak-ng in a random voice of tts_languages, at the corpus rate."""
    b = BuiltinCorpusConfig()
    synth, variants = tts.Synthesizer(), tts.available_variants()
    synth.reset(int(rng.integers(2 ** 31)))   # the recording does not depend on what the process made before

    def utterance() -> np.ndarray:
        voice = tts.random_voice(rng, cfg.tts_languages, variants, (b.rate_wpm_min, b.rate_wpm_max),
                                 (b.pitch_min, b.pitch_max), (b.pitch_range_min, b.pitch_range_max))
        x, rate = synth.speak(tts.random_sentence(rng, voice.name.split("+")[0], b.words_min, b.words_max), voice)
        return io.resample(x, rate, cfg.sample_rate_hz)
    return utterance


def _noise_only(rng: np.random.Generator, cfg: MixCorpusConfig, duration_s: float, bed, event) -> np.ndarray:
    """A recording without speech: a background with events in it, scaled to the usual peak range.

    Events go as into the pauses of a recording whose speech is as loud as the background (0 dB SNR), the
    recording cut into pauses of about 3 s (empty regions at random points), so events are as frequent."""
    sr = cfg.sample_rate_hz
    n = int(round(duration_s * sr))
    x = np.asarray(bed(rng, n, sr), dtype=np.float64)
    cuts = np.round(np.sort(rng.uniform(0, duration_s, size=int(duration_s // 3))), 3)
    mixing._add_events(rng, x, [(float(t), float(t)) for t in cuts], 1.0, float(np.max(np.abs(x))), cfg, event)
    x *= 10 ** (rng.uniform(cfg.peak_dbfs_min, cfg.peak_dbfs_max) / 20) / max(float(np.max(np.abs(x))), 1e-9)
    return x.astype(np.float32)


def label_config(cfg: MixCorpusConfig) -> MixCorpusConfig:
    """The config the per-utterance label rule runs with: label_policy tight fills no gap."""
    return dataclasses.replace(cfg, label_fill_gap_ms=0.0) if cfg.label_policy == "tight" else cfg


def _speech_fx(rng: np.random.Generator, cfg: MixCorpusConfig, utterance, music: Sequence[str],
               train: bool = False):
    """(track, regions) -> track with a second talker, reverberation and music (each by its *_prob; image-source
    rooms, reverb_image_prob, in train only).

    Each augmentation draws from its own child of rng, so switching one on or off leaves the others'
    draws alone.  The regions (labels) are not changed: see the module docstring."""
    r_overlap, r_reverb, r_music, r_room = rng.spawn(4)   # a 4th child leaves the first three's draws alone
    sr = cfg.sample_rate_hz

    def fx(track: np.ndarray, regions: intervals.Segments) -> np.ndarray:
        track = track.astype(np.float64)
        long = [(s, e) for s, e in regions if e - s >= 0.3]
        if r_overlap.random() < cfg.overlap_prob and long:
            s, e = long[int(r_overlap.integers(len(long)))]
            u = utterance(r_overlap)
            segs = mixing.reference_labels(u, label_config(cfg))
            if segs:
                u = u[int(segs[0][0] * sr):int(segs[-1][1] * sr)]
                a = int(r_overlap.uniform(s, e - 0.2) * sr)
                k = min(len(u), int(e * sr) - a)
                main, other = track[int(s * sr):int(e * sr)], u[:k] * mixing._fade_out(k, sr)
                level = np.sqrt(np.mean(main ** 2) / max(np.mean(other ** 2), 1e-20))
                track[a:a + k] += other * level * 10 ** (r_overlap.uniform(cfg.overlap_db_min, cfg.overlap_db_max) / 20)
        if r_reverb.random() < cfg.reverb_prob:
            rt60 = r_reverb.uniform(cfg.reverb_rt60_s_min, cfg.reverb_rt60_s_max)
            h = augment.rir(r_reverb, sr, rt60, r_reverb.uniform(cfg.reverb_drr_db_min, cfg.reverb_drr_db_max))
            if train and r_room.random() < cfg.reverb_image_prob:   # a shoebox room instead, of the same RT60
                h = augment.image_rir(r_room, sr, rt60)
            track = augment.reverberate(track, h).astype(np.float64)
        if r_music.random() < cfg.music_prob and music and regions:
            a = max(0, int((regions[0][0] - 0.5) * sr))
            b = min(len(track), int((regions[-1][1] + 0.5) * sr))
            m = _audible(r_music, music[int(r_music.integers(len(music)))], b - a, sr) * sounds.fade(b - a, sr)
            active = track[mixing._mask(regions, len(track), sr)]
            snr = r_music.uniform(cfg.music_snr_db_min, cfg.music_snr_db_max)
            track[a:b] += m * np.sqrt(np.mean(active ** 2) / max(np.mean(m ** 2), 1e-20)) * 10 ** (-snr / 20)
        return track
    return fx


def _channel_fx(rng: np.random.Generator, cfg: MixCorpusConfig, x: np.ndarray) -> np.ndarray:
    """The mixture through an equaliser and a telephone channel (each by its *_prob)."""
    r_eq, r_tel, r_low = rng.spawn(3)
    sr = cfg.sample_rate_hz
    if r_eq.random() < cfg.eq_prob:
        x = augment.eq(x, sr, r_eq.uniform(-cfg.eq_tilt_db_max, cfg.eq_tilt_db_max),
                       r_eq.uniform(cfg.eq_gain_db_min, cfg.eq_gain_db_max))
    if r_low.random() < cfg.lowpass_prob:
        x = augment.lowpass(x, sr, r_low.uniform(cfg.lowpass_hz_min, min(cfg.lowpass_hz_max, 0.45 * sr)))
    if r_tel.random() < cfg.telephone_prob:
        x = augment.telephone(x, sr, cfg.telephone_codecs[int(r_tel.integers(len(cfg.telephone_codecs)))])
    return x


def _voice(r: np.random.Generator, x: np.ndarray, sr: int, cfg: MixCorpusConfig) -> np.ndarray:
    """A training utterance as another voice or style (vadkit.corpora.augment): vtlp and pitch each with its
    chance, then whisper or shout (never both), drawn from the recording's own voice generator."""
    u = r.random(5)
    if len(x) < 1024:   # shorter than a few analysis frames: left as it is
        return x
    if u[0] < cfg.vtlp_prob:
        x = augment.vtlp(x, sr, cfg.vtlp_alpha_min + u[1] * (cfg.vtlp_alpha_max - cfg.vtlp_alpha_min))
    if u[2] < cfg.pitch_prob:
        x = augment.pitch_shift(x, sr, cfg.pitch_semitones_max * (2 * u[3] - 1))
    if u[4] < cfg.whisper_prob:
        x = augment.whisper(r, x, sr)
    elif u[4] < cfg.whisper_prob + cfg.shout_prob:
        x = augment.shout(x, sr, *(r.uniform(*lo_hi) for lo_hi in (augment.SHOUT_SEMITONES, augment.SHOUT_TILT_DB,
                                                                  augment.SHOUT_DRIVE)))
    return x


def make_mix_recording(cfg: MixCorpusConfig, set_name: str, index: int, utterances: Sequence[str],
                       noises: Sequence[str], train_noises: Sequence[str] = ()) -> tuple[np.ndarray, intervals.Segments]:
    """Recording `index` of a set from its utterances and noise files: (samples (n,) float32, regions).
    `set_name` may carry a train version ("train/v2": mixing.set_key); `train_noises` is the train-only pool."""
    duration_s, rng = mixing.draw_duration_s(cfg, set_name, index)
    source_rng, mix_rng = rng.spawn(2)
    speech_rng, channel_rng, speed_rng, noise_rng, tts_rng = rng.spawn(5)   # spawned after: with the levers
    sr = cfg.sample_rate_hz                                                  # off, recordings stay the same
    train = mixing.base_set(set_name) == "train"                 # train-only levers: dev and test stay put
    synth_p, tts_p = (cfg.synth_noise_prob, cfg.tts_prob) if train else (0.0, 0.0)
    music_p = cfg.synth_music_prob if train else 0.0
    music_rng = rng.spawn(1)[0]                                              # spawned last, as above
    noise_speed_rng = rng.spawn(1)[0]                                        # ... and after it
    noise_speed_p = cfg.noise_speed_prob if train else 0.0
    pool_rng = rng.spawn(1)[0]                                               # ... and after that
    pool_p = cfg.train_noise_prob if train and len(train_noises) else 0.0
    loud_rng = rng.spawn(1)[0]                                               # ... and after that
    loud_p = cfg.loud_event_prob if train else 0.0
    voice_rng = rng.spawn(1)[0]                                              # ... and after that
    crackle_rng = rng.spawn(1)[0]                                            # ... and after that
    crackle_p = cfg.synth_crackle_prob if train else 0.0
    voices = train and max(cfg.vtlp_prob, cfg.pitch_prob, cfg.whisper_prob, cfg.shout_prob) > 0
    noise_only = train and noise_rng.random() < cfg.noise_only_prob
    pool_in_bed = cfg.train_noise_where == "all" or noise_only   # "pauses": no pool sound under speech
    tts_utterance = _tts_source(tts_rng, cfg) if tts_p > 0 else None

    def noise(r: np.random.Generator, path: str, n: int, rate: int, read=excerpt, pool_ok=True) -> np.ndarray:
        """n samples of a real noise file (with train_noise_prob one of the train-only pool instead, where
        pool_ok), with noise_speed_prob played faster or slower."""
        if pool_p and pool_ok and pool_rng.random() < pool_p:
            path = train_noises[int(pool_rng.integers(len(train_noises)))]
        if noise_speed_rng.random() < noise_speed_p:
            factor = noise_speed_rng.uniform(cfg.noise_speed_min, cfg.noise_speed_max)
            x = augment.speed(read(r, path, int(np.ceil(n * factor)) + 1, rate), factor)
            return np.pad(x[:n], (0, max(0, n - len(x))))
        return read(r, path, n, rate)

    def read_utterance(r: np.random.Generator) -> np.ndarray:
        if tts_utterance is not None and tts_rng.random() < tts_p:
            x = tts_utterance()
        else:
            x = io.read_audio(utterances[int(r.integers(len(utterances)))], sr)[0]
        if speed_rng.random() < cfg.speed_prob:
            x = augment.speed(x, speed_rng.uniform(cfg.speed_min, cfg.speed_max))
        if voices:
            x = _voice(voice_rng, x, sr, cfg)
        return x * (_PEAK / max(float(np.max(np.abs(x))), 1e-9))

    def bed(r: np.random.Generator, n: int, rate: int) -> np.ndarray:
        k = int(r.integers(1, min(cfg.bed_files_max, len(noises)) + 1))
        picks = r.choice(len(noises), size=k, replace=False)
        return mixing.layer(r, [mixing.one_sound(music_rng, sounds.MUSIC_GENERATORS, n, rate)
                                if music_rng.random() < music_p else
                                mixing.one_sound(noise_rng, sounds.BED_GENERATORS, n, rate)
                                if noise_rng.random() < synth_p else
                                noise(r, noises[i], n, rate, _audible, pool_ok=pool_in_bed)
                                for i in picks])

    def event(r: np.random.Generator, n: int, rate: int) -> np.ndarray:
        if crackle_p and crackle_rng.random() < crackle_p:
            return sounds.crackle(crackle_rng, n, rate)
        if music_rng.random() < music_p:
            return mixing.one_sound(music_rng, sounds.MUSIC_GENERATORS, n, rate) * sounds.fade(n, rate)
        if noise_rng.random() < synth_p:
            return mixing.one_sound(noise_rng, sounds.EVENT_GENERATORS, n, rate)
        return noise(r, noises[int(r.integers(len(noises)))], n, rate) * sounds.fade(n, rate)

    def loud_event() -> float | None:
        return loud_rng.uniform(cfg.loud_event_db_min, cfg.loud_event_db_max) if loud_rng.random() < loud_p else None

    if noise_only:
        return _noise_only(mix_rng, cfg, duration_s, bed, event), []

    music = [p for p in noises if re.search(cfg.music_pattern, p)]
    fill = cfg.label_policy_gap_ms if cfg.label_policy == "fill" else 0.0
    x, regions = mixing.make_recording(mix_rng, lambda: read_utterance(source_rng), duration_s, label_config(cfg),
                                    bed=bed, event=event,
                                    speech_fx=_speech_fx(speech_rng, cfg, read_utterance, music, train),
                                    fill_gaps_ms=fill, loud_event=loud_event if loud_p else None)
    return _channel_fx(channel_rng, cfg, x).astype(np.float32), regions


# ---------------------------------------------------------------- the corpus
def check_mix_config(cfg: MixCorpusConfig, where: str = "corpus config") -> None:
    """Raise InputError naming `where` for settings that cannot work."""
    mixing.check_mixing_config(cfg, where)
    problems = [
        (not (0 < cfg.dev_share and 0 < cfg.test_share and cfg.dev_share + cfg.test_share < 1),
         "need dev_share > 0, test_share > 0 and dev_share + test_share < 1"),
        (not (0 < cfg.noise_dev_share and 0 < cfg.noise_test_share
              and cfg.noise_dev_share + cfg.noise_test_share < 1),
         "need noise_dev_share > 0, noise_test_share > 0 and their sum < 1"),
        (cfg.bed_files_max < 1, "bed_files_max must be >= 1"),
        (not cfg.audio_extensions, "audio_extensions is empty"),
        (cfg.label_policy not in LABEL_POLICIES, f"label_policy must be one of {', '.join(LABEL_POLICIES)}"),
        (cfg.label_policy_gap_ms < 0, "label_policy_gap_ms must be >= 0"),
        (any(not 0 <= getattr(cfg, f"{a}_prob") <= 1 for a in AUGMENTATIONS),
         f"every *_prob ({', '.join(a + '_prob' for a in AUGMENTATIONS)}) must lie in [0, 1]"),
        (not 0 < cfg.reverb_rt60_s_min <= cfg.reverb_rt60_s_max, "need 0 < reverb_rt60_s_min <= reverb_rt60_s_max"),
        (cfg.reverb_drr_db_min > cfg.reverb_drr_db_max or cfg.overlap_db_min > cfg.overlap_db_max
         or cfg.music_snr_db_min > cfg.music_snr_db_max or cfg.eq_gain_db_min > cfg.eq_gain_db_max,
         "an augmentation's *_min exceeds its *_max"),
        (not (0 <= cfg.synth_noise_prob <= 1 and 0 <= cfg.noise_only_prob <= 1 and 0 <= cfg.tts_prob <= 1),
         "synth_noise_prob, noise_only_prob and tts_prob must lie in [0, 1]"),
        (not 0 <= cfg.reverb_image_prob <= 1, "reverb_image_prob must lie in [0, 1]"),
        (not 0 <= cfg.synth_music_prob <= 1, "synth_music_prob must lie in [0, 1]"),
        (not 0 <= cfg.synth_crackle_prob <= 1, "synth_crackle_prob must lie in [0, 1]"),
        (cfg.tts_prob > 0 and not cfg.tts_languages, "tts_prob > 0 needs tts_languages"),
        (not (isinstance(cfg.train_versions, int) and 1 <= cfg.train_versions <= 1000),
         "train_versions must be an integer in 1..1000"),
        (not 0.5 <= cfg.speed_min <= cfg.speed_max <= 2.0, "need 0.5 <= speed_min <= speed_max <= 2"),
        (not 0 <= cfg.noise_speed_prob <= 1, "noise_speed_prob must lie in [0, 1]"),
        (not 0 <= cfg.train_noise_prob <= 1, "train_noise_prob must lie in [0, 1]"),
        (not 0 <= cfg.loud_event_prob <= 1, "loud_event_prob must lie in [0, 1]"),
        (not all(0 <= v <= 1 for v in (cfg.vtlp_prob, cfg.pitch_prob, cfg.whisper_prob, cfg.shout_prob))
         or cfg.whisper_prob + cfg.shout_prob > 1,
         "vtlp_prob, pitch_prob, whisper_prob and shout_prob must lie in [0, 1], whisper_prob + shout_prob too"),
        (not 0.7 <= cfg.vtlp_alpha_min <= cfg.vtlp_alpha_max <= 1.4,
         "need 0.7 <= vtlp_alpha_min <= vtlp_alpha_max <= 1.4"),
        (not 0 <= cfg.pitch_semitones_max <= 12, "pitch_semitones_max must lie in [0, 12]"),
        (cfg.loud_event_db_min > cfg.loud_event_db_max, "loud_event_db_min exceeds loud_event_db_max"),
        (cfg.train_noise_where not in TRAIN_NOISE_WHERE,
         f"train_noise_where must be one of {', '.join(TRAIN_NOISE_WHERE)}"),
        (not 0.25 <= cfg.noise_speed_min <= cfg.noise_speed_max <= 4.0,
         "need 0.25 <= noise_speed_min <= noise_speed_max <= 4"),
        (not 0 < cfg.lowpass_hz_min <= cfg.lowpass_hz_max, "need 0 < lowpass_hz_min <= lowpass_hz_max"),
        (not cfg.telephone_codecs or not set(cfg.telephone_codecs) <= set(augment.CODECS),
         f"telephone_codecs must be a non-empty list of {', '.join(augment.CODECS)}"),
    ]
    if cfg.reverb_image_prob > 0 and cfg.reverb_prob > 0:
        try:
            import pyroomacoustics  # noqa: F401
        except ImportError:
            problems.append((True, "reverb_image_prob > 0 needs pyroomacoustics: pip install -r requirements.txt "
                                   "(or set reverb_image_prob: 0)"))
    if cfg.tts_prob > 0:
        for lang in cfg.tts_languages:
            try:
                tts.random_sentence(np.random.default_rng(0), lang)
            except InputError as e:
                problems.append((True, f"tts_languages: {e}"))
    for pat in [cfg.music_pattern]:
        try:
            re.compile(pat)
        except re.error as e:
            problems.append((True, f"music_pattern {pat!r} is not a valid regex ({e})"))
    for pat in cfg.speaker_patterns:
        try:
            problems.append((re.compile(pat).groups < 1, f"speaker pattern {pat!r} has no (group)"))
        except re.error as e:
            problems.append((True, f"speaker pattern {pat!r} is not a valid regex ({e})"))
    for bad, message in problems:
        if bad:
            raise InputError(f"{where}: {message}")


def check_train_noise(cfg: MixCorpusConfig, noise_files: Sequence[Path], dirs: Sequence[str | Path],
                      lists: Sequence[str | Path], suffixes: Sequence[str]) -> list[Path]:
    """The train-only noise pool's files: none may also be a split noise file or match the xdev pattern
    (either would let a set hear its own noise in training), and a pool needs train_noise_prob > 0."""
    if not dirs and not lists:
        return []
    files = io.find_audio(dirs, lists, suffixes=suffixes)     # names an empty or missing folder itself
    shared = sorted({str(p.resolve()) for p in files} & {str(p.resolve()) for p in noise_files})
    if shared:
        raise InputError(f"{shared[0]} (and {len(shared) - 1} more) is both a noise file and in the train-only "
                         "pool; give the pool a folder of its own")
    held = [p for p in files if cfg.xdev_noise_pattern and re.search(cfg.xdev_noise_pattern, str(p))]
    if held:
        raise InputError(f"{held[0]}: train-only noise matches xdev_noise_pattern {cfg.xdev_noise_pattern!r} "
                         "(xdev kinds must stay unheard); move it out of the pool")
    if cfg.train_noise_prob <= 0:
        raise InputError("a train-only noise pool was given but train_noise_prob is 0 in the corpus config; "
                         "set it (e.g. 0.5) or drop --train-noise-dir")
    return files


def make_mix_corpus(cfg: MixCorpusConfig, out_dir: str | Path, speech_dirs: Sequence[str | Path],
                    noise_dirs: Sequence[str | Path] = (), noise_lists: Sequence[str | Path] = (),
                    num_jobs: int = 1, where: str = "corpus config",
                    train_noise_dirs: Sequence[str | Path] = (), train_noise_lists: Sequence[str | Path] = ()) -> bool:
    """Build OUT_DIR/{train,dev,test[,xdev]}/mix_<set>_NNNN.wav + rttm, and per set `speakers` and `noises`
    (what it was made from; train/train_noises: the train-only pool) and OUT_DIR/rejected (utterances left
    out, why); False if up to date."""
    check_mix_config(cfg, where)
    if any(not str(d) for d in [*speech_dirs, *noise_dirs]):
        raise InputError("an empty folder name was given; pass --speech-dir DIR / --noise-dir DIR")
    suffixes = ["." + e.lower().lstrip(".") for e in cfg.audio_extensions]
    speech_files = io.find_audio(speech_dirs, suffixes=suffixes)
    noise_files = io.find_audio(noise_dirs, noise_lists, suffixes=suffixes)
    if not noise_files:
        raise InputError("no noise files: give --noise-dir or --noise-list")
    train_noise_files = check_train_noise(cfg, noise_files, train_noise_dirs, train_noise_lists, suffixes)
    signature = {"corpus": "mix", "generator_version": _VERSION, "config": config.to_dict(cfg),
                 "speech": {"files": len(speech_files), "sha1": io.identity_digest(speech_files)},
                 "noise": {"files": len(noise_files), "sha1": io.identity_digest(noise_files)}}
    if train_noise_files:   # absent otherwise, so corpora built before the pool existed stay current
        signature["train_noise"] = {"files": len(train_noise_files), "sha1": io.identity_digest(train_noise_files)}

    def jobs(tmp: Path) -> list[tuple]:
        utts, rejected = scan_speech(speech_files, speech_dirs, cfg)
        log.info("%d usable utterances, %d left out (listed in rejected)", len(utts), len(rejected))
        xdev = "xdev" in sets_of(cfg)
        speech = split_with_xdev(utts, cfg.xdev_speech_pattern, cfg.seed, cfg.dev_share, cfg.test_share,
                                 "speech", xdev)
        noises = split_with_xdev(scan_noise(noise_files), cfg.xdev_noise_pattern, cfg.seed, cfg.noise_dev_share,
                                 cfg.noise_test_share, "noise", xdev)
        pool = [n.path for n in scan_noise(train_noise_files)]
        io.write_text(tmp / "rejected", "".join(f"{r}\n" for r in rejected))
        out = []
        for s in sets_of(cfg):
            spk = sorted({u.group for u in speech[s]})
            log.info("%s: %d speakers, %.1f min of speech; %d noise files, %.1f min", s, len(spk),
                     sum(u.seconds for u in speech[s]) / 60, len(noises[s]),
                     sum(n.seconds for n in noises[s]) / 60)
            io.write_text(tmp / s / "speakers", "".join(f"{g}\n" for g in spk))
            io.write_text(tmp / s / "noises", "".join(f"{n.path}\n" for n in noises[s]))
            if s == "train" and pool:
                io.write_text(tmp / s / "train_noises", "".join(f"{p}\n" for p in pool))
            paths = [u.path for u in speech[s]]
            noise_paths = [n.path for n in noises[s]]
            if cfg.music_prob > 0 and not any(re.search(cfg.music_pattern, p) for p in noise_paths):
                log.warning("%s: no noise file matches music_pattern %r: no music under speech", s,
                            cfg.music_pattern)
            versions = {}   # train rec id -> which mixing it is (when the train set is mixed several times)
            for v in range(cfg.train_versions if s == "train" else 1):
                key, name = mixing.set_key(s, v), f"{s}_v{v:02d}" if v else s
                for i in range(len(mixing.set_durations(cfg, key))):
                    wav = tmp / s / f"mix_{name}_{i + 1:04d}.wav"
                    out.append((make_mix_recording, (cfg, key, i, paths, noise_paths,
                                                     pool if s == "train" else ()), s, str(wav),
                                cfg.sample_rate_hz))
                    versions[wav.stem] = str(v)
            if len(set(versions.values())) > 1:
                io.write_table(tmp / s / "versions", versions)
        return out
    return mixing.build_corpus(out_dir, signature, jobs, MixCorpusConfig, num_jobs, desc="mix corpus")
