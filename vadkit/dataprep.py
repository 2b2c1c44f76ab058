"""Data prep from users' files: a folder of audio + labels (`--corpus dir`) and the notebook's .mat
feature lists (`--corpus mat`), each into the data-directory contract (vadkit.data).

Audio is resampled once, at data prep, not on the fly: the contract says every file in wav.scp is
at the recipe's rate, so validation, features, scoring figures and plots all read the same samples,
and the resampling cost is paid once rather than on every feature or plotting run.  A file already
at the rate is listed where it is (nothing is copied); others become 16-bit wavs in <data-dir>/wav/.
"""
from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path

import numpy as np
import yaml

from vadkit import data, feature_cache, io, labels
from vadkit.config import FeatureConfig
from vadkit.errors import InputError
from vadkit.features import FrameGrid, feature_dim

log = logging.getLogger(__name__)

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg")
LABEL_SUFFIXES = (".rttm", ".voz", ".txt", ".lab", ".csv", ".tsv", ".scv")


def rec_id_of(path: Path) -> str:
    """A file's rec_id: its name without suffix, characters outside [A-Za-z0-9_.-] turned into '_'."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", path.stem)


def find_audio(src: Path, skip: Path | None = None) -> dict[str, Path]:
    """{rec_id: audio file} of every wav/flac/ogg under src (searched recursively; not under `skip`,
    the data dir being written, whose wav/ holds resampled copies)."""
    if not src.is_dir():
        raise InputError(f"{src}: folder not found; pass the folder holding the audio files")
    skip = skip.resolve() if skip is not None else None
    audio: dict[str, Path] = {}
    for f in sorted(src.rglob("*")):
        if skip is not None and f.resolve().is_relative_to(skip):
            continue
        if f.suffix.lower() in AUDIO_SUFFIXES and f.is_file():
            rec_id = rec_id_of(f)
            if rec_id in audio:
                raise InputError(f"{f}: a second audio file for recording {rec_id!r} (first {audio[rec_id]}); "
                                 "rename one")
            audio[rec_id] = f
    if not audio:
        raise InputError(f"{src}: no audio files ({', '.join(AUDIO_SUFFIXES)}); pass the folder holding them")
    return audio


def find_labels(audio: dict[str, Path], src: Path, labels_file: str | None) -> tuple[dict[str, Path], list[Path]]:
    """({rec_id: its own label file}, [label files shared by many recordings]).

    Own: <audio stem>.<rttm|voz|txt|lab|csv|tsv|scv> beside the audio.  Shared: --labels, else every
    other *.rttm, *.scv or `segments` file under src.
    """
    own: dict[str, Path] = {}
    for rec_id, wav in audio.items():
        found = [wav.with_suffix(s) for s in LABEL_SUFFIXES if wav.with_suffix(s).is_file()]
        if len(found) > 1:
            raise InputError(f"{found[1]}: a second label file for {wav} (first {found[0]}); keep one")
        if found:
            own[rec_id] = found[0]
    if labels_file:
        return own, [Path(labels_file)]
    taken = set(own.values())
    shared = [f for f in sorted(src.rglob("*")) if f.is_file() and f not in taken
              and (f.suffix.lower() in (".rttm", ".scv") or f.name == "segments")]
    return own, shared


def prepare_folder(src: str | Path, out_dir: str | Path, sample_rate_hz: int, label_format: str | None = None,
                   labels_file: str | None = None, require_labels: bool = False) -> dict:
    """Turn a folder of audio (+ labels in any vadkit.labels format) into a data dir; return a summary.

    Labels are read against the original audio (a .voz counts its samples) and must lie inside it.
    Without any label file the set is unlabelled (decoded, not trained on or scored), or with
    `require_labels` an error.
    """
    src, out_dir = Path(src), Path(out_dir)
    fmt = labels.check_format(label_format) if label_format else None
    audio = find_audio(src, out_dir)
    own, shared = find_labels(audio, src, labels_file)
    shared_regions: dict[str, list] = {}
    for f in shared:
        for rec_id, regions in labels.read(f, fmt).items():
            if rec_id not in audio:
                line = regions[0].line if regions else 1
                raise InputError(f"{f}:{line}: recording {rec_id!r} has no audio file under {src}; add it or "
                                 "drop its lines")
            shared_regions.setdefault(rec_id, []).extend((f, r) for r in regions)
    labelled = bool(own or shared)
    if require_labels and not labelled:
        raise InputError(f"{src}: no label files (<name>.{{{'/'.join(x.lstrip('.') for x in LABEL_SUFFIXES)}}} "
                         "beside the audio, or a shared *.rttm/*.scv/segments); this set is trained on or scored, "
                         "so add them (unlabelled audio: steps/vad.py)")
    wavs, regions = {}, {}
    for rec_id, wav in sorted(audio.items()):
        rate, n = io.audio_info(wav)
        if n == 0:
            raise InputError(f"{wav}: audio is empty (0 samples); remove it or re-export it")
        if labelled:
            regions[rec_id] = _regions_of(rec_id, wav, rate, n, own.get(rec_id), shared_regions.get(rec_id),
                                          bool(shared), fmt)
        wavs[rec_id] = data.audio_at_rate(wav, sample_rate_hz, out_dir / "wav", rec_id)
    data.write_data_dir(out_dir, wavs, regions if labelled else None)
    if not labelled:
        log.warning("%s: no label files: the set is unlabelled (it can be decoded, not trained on or scored)", src)
    speech = sum(e - s for v in regions.values() for s, e in v)
    return {"recordings": len(wavs), "labelled": labelled, "speech_s": speech,
            "resampled": sum(1 for w in wavs.values() if Path(w).parent == (out_dir / "wav").resolve())}


def _regions_of(rec_id: str, wav: Path, rate: int, n: int, own: Path | None, shared: list | None,
                any_shared: bool, fmt: str | None) -> io.Segments:
    """One recording's speech regions, checked against its audio (rate, n samples)."""
    if own is not None:
        own_fmt = fmt or labels.detect_format(own)
        if own_fmt == "voz":
            y = labels.read_voz(own)
            if len(y) > n:
                raise InputError(f"{own}:{n + 1}: .voz has {len(y)} values but {wav} has {n} samples; "
                                 "pair the labels with the right audio")
            found = [(own, r) for r in labels.voz_regions(y, rate)]
        else:
            found = [(own, r) for r in labels.read_one(own, rec_id, own_fmt)]
    elif shared is not None or any_shared:
        found = shared or []  # absent from a shared RTTM/segments/.scv: no speech, as RTTM means it
    else:
        stems = "/".join(s.lstrip(".") for s in LABEL_SUFFIXES)
        raise InputError(f"{wav}: no label file ({wav.stem}.{{{stems}}}) while other recordings have one; "
                         "add it or move the audio out")
    for path, r in found:
        labels.check_inside(path, [r], n / rate)
    return io.merge_segments([(r.start_s, min(r.end_s, n / rate)) for _, r in found])


# ---------------------------------------------------------------- the notebook's .mat lists
def read_list(lst: str | Path, folder: str | Path) -> list[Path]:
    """The .mat files a .lst names (one file name per line), found in `folder`."""
    lst, folder = Path(lst), Path(folder)
    if not lst.is_file():
        raise InputError(f"{lst}: list not found; pass the .lst file naming the .mat files")
    out = []
    for lineno, line in enumerate(lst.read_text().splitlines(), 1):
        name = line.strip()
        if not name or name.startswith("#"):
            continue
        path = folder / name
        if not path.is_file():
            raise InputError(f"{lst}:{lineno}: {name} not found in {folder}; fix the list or the folder option")
        out.append(path)
    if not out:
        raise InputError(f"{lst}: names no .mat files")
    return out


def read_mat_features(path: Path, cfg: FeatureConfig) -> tuple[np.ndarray, np.ndarray]:
    """X (frames, 60) float32 and Y (frames,) int8 of one notebook .mat file, checked."""
    m = io.read_mat(path, ("X", "Y"))
    x, y = np.asarray(m["X"], dtype=np.float32), np.asarray(m["Y"])
    dim = feature_dim(cfg)
    if x.ndim != 2 or x.shape[1] != dim:
        raise InputError(f"{path}: X is {x.shape}, expected (frames, {dim}) (n_mfcc {cfg.n_mfcc} with "
                         f"{cfg.deltas} deltas, conf/features.yaml)")
    y = y.reshape(-1) if y.ndim == 2 and 1 in y.shape else y
    if y.ndim != 1 or len(y) != len(x):
        raise InputError(f"{path}: Y is {m['Y'].shape}, expected ({len(x)}, 1): one 0/1 label per frame of X")
    if not np.isin(y, (0, 1)).all():
        raise InputError(f"{path}: Y holds values other than 0 and 1; labels must be 0 (non-speech) or 1 (speech)")
    if len(x) == 0:
        raise InputError(f"{path}: X has no frames; drop the file from the list")
    if not np.all(np.isfinite(x)):
        raise InputError(f"{path}: X holds NaN or infinite values; re-export the features")
    return x, y.astype(np.int8)


def _files_digest(paths: list[Path]) -> str:
    """sha1 over each file's name, size and modification time: changes when a file is replaced."""
    h = hashlib.sha1()
    for p in paths:
        st = p.stat()
        h.update(f"{p.resolve()}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def prepare_mat_set(mats: list[Path], out_dir: str | Path, cfg: FeatureConfig, fmt: str,
                    wav: str | Path | None = None, source: str = "") -> dict:
    """A data dir whose feature cache holds the .mat files' X and labels Y (not recomputed).

    Frames are 10 ms apart from the start, as the notebook reads them (hop_ms of the config);
    rttm regions come from Y by the frame grid, so they give back Y exactly.  Without `wav` the
    set is feature-only (no wav.scp); with it (one .mat file) wav.scp lists the audio, resampled
    once if needed, and Y must not outlast it.  Skipped when the cache is up to date and the files
    (names, sizes, modification times) are those it was made from.
    """
    out_dir, grid = Path(out_dir), FrameGrid.from_config(cfg)
    ids = [rec_id_of(p) for p in mats]
    if len(set(ids)) != len(ids):
        raise InputError(f"{source}: two .mat files with the same name; rec_ids must be unique")
    if wav is not None and len(mats) != 1:
        raise ValueError("audio goes with a single .mat file")
    src = {"from": source, "files_sha1": _files_digest(mats + ([Path(wav)] if wav is not None else []))}
    marker = out_dir / feature_cache.MARKER
    if feature_cache.is_up_to_date(out_dir, cfg, fmt) and (yaml.safe_load(marker.read_text()) or {}).get("source") == src:
        info = yaml.safe_load(marker.read_text())
        log.info("%s: up to date with %s, nothing to do", out_dir, source)
        d = data.load_data_dir(out_dir)
        return {"recordings": info["n_recordings"], "frames": info["n_frames"],
                "speech_s": sum(e - s for v in d.regions.values() for s, e in v)}
    marker.unlink(missing_ok=True)
    durs, regions, n_frames = {}, {}, {}
    for rec_id, p in zip(ids, mats):  # first pass: labels only, so the tables exist before the cache
        _, y = read_mat_features(p, cfg)
        n_frames[rec_id] = len(y)
        durs[rec_id] = (len(y) - 1) * grid.hop_s + grid.win_s  # exactly len(y) frames on the grid
        regions[rec_id] = grid.segments(y)
    wavs = {}
    if wav is not None:
        rate, n = io.audio_info(wav)
        if durs[ids[0]] > n / rate + data.DUR_TOLERANCE_S:
            raise InputError(f"{mats[0]}: Y has {n_frames[ids[0]]} frames ({durs[ids[0]]:.2f} s) but {wav} lasts {n / rate:.2f} s; pair the .mat file "
                             "with its own audio")
        wavs = {ids[0]: data.audio_at_rate(wav, cfg.sample_rate_hz, out_dir / "wav", ids[0])}
    data.write_data_dir(out_dir, wavs, regions, durations_s=None if wavs else durs)
    order = sorted(range(len(ids)), key=lambda i: ids[i])
    feature_cache.write(out_dir, cfg, fmt, ((ids[i], *read_mat_features(mats[i], cfg)) for i in order),
                        source=src)
    return {"recordings": len(ids), "frames": sum(n_frames.values()),
            "speech_s": sum(e - s for v in regions.values() for s, e in v)}
