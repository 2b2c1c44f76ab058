"""The mix corpus: real clean speech utterances and real noise/music from folders, mixed by vadkit.mix.

Sources (every file whose extension is in `audio_extensions`, found recursively, in sorted order):
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

Recordings (vadkit.mix.make_recording; seeded by (seed, set, index) as the built-in corpus):
utterances drawn at random (with replacement) from the set's utterances, each peak-normalised to 0.5
before its random gain, so speakers of several corpora are mixed within a recording; under them 1 to
`bed_files_max` different noise files of the set (a random excerpt each, looped when the file is
shorter; each at unit RMS, the later ones 0-10 dB weaker); in pauses, with probability `event_prob`,
an excerpt (0.1-2 s, 5 ms fades) of a noise file of the set.
"""
from __future__ import annotations

import functools
import hashlib
import logging
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from vadkit import config, io, mix, noise
from vadkit.config import MixCorpusConfig
from vadkit.errors import InputError

log = logging.getLogger(__name__)

_VERSION = 1          # part of the .done stamp: bump when generation changes
_QUIET_PERCENTILE = 10
_PEAK = 0.5


@dataclass(frozen=True)
class Source:
    """One audio file: its path, its group (speaker for speech, the file itself for noise), its weight
    in the split (labelled speech seconds, or duration seconds for noise)."""
    path: str
    group: str
    seconds: float


# ---------------------------------------------------------------- finding files
def audio_files(dirs: Sequence[str | Path], lists: Sequence[str | Path], extensions: Sequence[str]) -> list[Path]:
    """Audio files under `dirs` (recursive) and named in `lists`, sorted, without duplicates."""
    exts = {"." + e.lower().lstrip(".") for e in extensions}
    files: set[Path] = set()
    for d in dirs:
        if not str(d):
            raise InputError("an empty folder name was given; pass --speech-dir DIR / --noise-dir DIR")
        if not Path(d).is_dir():
            raise InputError(f"{d}: not a directory; give a folder of audio files")
        found = [p for p in Path(d).rglob("*") if p.suffix.lower() in exts and p.is_file()]
        if not found:
            raise InputError(f"{d}: no audio files ({', '.join(sorted(exts))}) in it or below it")
        files.update(found)
    for lst in lists:
        if not Path(lst).is_file():
            raise InputError(f"{lst}: list file not found")
        for lineno, line in enumerate(Path(lst).read_text().splitlines(), 1):
            if line.strip():
                p = Path(line.strip())
                if not p.is_file():
                    raise InputError(f"{lst}:{lineno}: {p} does not exist; fix or drop the line")
                files.add(p)
    return sorted(files)


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


def sources_digest(files: Sequence[Path]) -> str:
    """sha1 over (path, size) of the files: the corpus is rebuilt when the sources change."""
    h = hashlib.sha1()
    for p in files:
        h.update(f"{p}\t{p.stat().st_size}\n".encode())
    return h.hexdigest()


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
        x, _ = io.read_audio(p, cfg.sample_rate_hz)
        speech_s = mix.speech_seconds(mix.reference_labels(x, cfg))
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
    out: dict[str, list[Source]] = {name: [] for name in mix.SETS}
    for s in sources:
        out[assign.get(s.group, "train")].append(s)
    if not out["train"]:
        raise InputError(f"{what}: nothing left for train; lower the dev/test shares or add data")
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
    return 1e-3 * noise.white(rng, n, sr)  # a silent file: a faint hiss rather than dividing by zero


def make_mix_recording(cfg: MixCorpusConfig, set_name: str, index: int, utterances: Sequence[str],
                       noises: Sequence[str]) -> tuple[np.ndarray, io.Segments]:
    """Recording `index` of a set from its utterances and noise files: (samples (n,) float32, regions)."""
    duration_s, rng = mix.draw_duration_s(cfg, set_name, index)
    source_rng, mix_rng = rng.spawn(2)
    sr = cfg.sample_rate_hz

    def next_utterance() -> np.ndarray:
        x = io.read_audio(utterances[int(source_rng.integers(len(utterances)))], sr)[0]
        return x * (_PEAK / max(float(np.max(np.abs(x))), 1e-9))

    def bed(r: np.random.Generator, n: int, rate: int) -> np.ndarray:
        k = int(r.integers(1, min(cfg.bed_files_max, len(noises)) + 1))
        picks = r.choice(len(noises), size=k, replace=False)
        return mix.layer(r, [_audible(r, noises[i], n, rate) for i in picks])

    def event(r: np.random.Generator, n: int, rate: int) -> np.ndarray:
        return excerpt(r, noises[int(r.integers(len(noises)))], n, rate) * noise.fade(n, rate)

    return mix.make_recording(mix_rng, next_utterance, duration_s, cfg, bed=bed, event=event)


# ---------------------------------------------------------------- the corpus
def check_mix_config(cfg: MixCorpusConfig, where: str = "corpus config") -> None:
    """Raise InputError naming `where` for settings that cannot work."""
    mix.check_mixing_config(cfg, where)
    problems = [
        (not (0 < cfg.dev_share and 0 < cfg.test_share and cfg.dev_share + cfg.test_share < 1),
         "need dev_share > 0, test_share > 0 and dev_share + test_share < 1"),
        (not (0 < cfg.noise_dev_share and 0 < cfg.noise_test_share
              and cfg.noise_dev_share + cfg.noise_test_share < 1),
         "need noise_dev_share > 0, noise_test_share > 0 and their sum < 1"),
        (cfg.bed_files_max < 1, "bed_files_max must be >= 1"),
        (not cfg.audio_extensions, "audio_extensions is empty"),
    ]
    for pat in cfg.speaker_patterns:
        try:
            problems.append((re.compile(pat).groups < 1, f"speaker pattern {pat!r} has no (group)"))
        except re.error as e:
            problems.append((True, f"speaker pattern {pat!r} is not a valid regex ({e})"))
    for bad, message in problems:
        if bad:
            raise InputError(f"{where}: {message}")


def make_mix_corpus(cfg: MixCorpusConfig, out_dir: str | Path, speech_dirs: Sequence[str | Path],
                    noise_dirs: Sequence[str | Path] = (), noise_lists: Sequence[str | Path] = (),
                    num_jobs: int = 1, where: str = "corpus config") -> bool:
    """Build OUT_DIR/{train,dev,test}/mix_<set>_NNNN.wav + rttm, and per set `speakers` and `noises`
    (what it was made from) and OUT_DIR/rejected (utterances left out, why); False if up to date."""
    check_mix_config(cfg, where)
    speech_files = audio_files(speech_dirs, [], cfg.audio_extensions)
    noise_files = audio_files(noise_dirs, noise_lists, cfg.audio_extensions)
    if not noise_files:
        raise InputError("no noise files: give --noise-dir or --noise-list")
    stamp = (f"# vadkit mix corpus, generator version {_VERSION}\n{config.dump(cfg)}"
             f"# speech: {sources_digest(speech_files)} ({len(speech_files)} files)\n"
             f"# noise: {sources_digest(noise_files)} ({len(noise_files)} files)\n")

    def jobs(tmp: Path) -> list[tuple]:
        utts, rejected = scan_speech(speech_files, speech_dirs, cfg)
        log.info("%d usable utterances, %d left out (listed in rejected)", len(utts), len(rejected))
        speech = split(utts, cfg.seed, cfg.dev_share, cfg.test_share, "speech")
        noises = split(scan_noise(noise_files), cfg.seed, cfg.noise_dev_share, cfg.noise_test_share, "noise")
        io.write_text(tmp / "rejected", "".join(f"{r}\n" for r in rejected))
        out = []
        for s in mix.SETS:
            spk = sorted({u.group for u in speech[s]})
            log.info("%s: %d speakers, %.1f min of speech; %d noise files, %.1f min", s, len(spk),
                     sum(u.seconds for u in speech[s]) / 60, len(noises[s]),
                     sum(n.seconds for n in noises[s]) / 60)
            io.write_text(tmp / s / "speakers", "".join(f"{g}\n" for g in spk))
            io.write_text(tmp / s / "noises", "".join(f"{n.path}\n" for n in noises[s]))
            paths = [u.path for u in speech[s]]
            noise_paths = [n.path for n in noises[s]]
            out += [(make_mix_recording, (cfg, s, i, paths, noise_paths), s,
                     str(tmp / s / f"mix_{s}_{i + 1:04d}.wav"), cfg.sample_rate_hz)
                    for i in range(len(mix.set_durations(cfg, s)))]
        return out
    return mix.build_corpus(out_dir, stamp, jobs, num_jobs, desc="mix corpus")
