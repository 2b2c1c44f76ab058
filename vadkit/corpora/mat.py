"""The notebook's .mat feature lists (`--corpus mat`) into data dirs with a ready feature cache."""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from vadkit import io
from vadkit.config import FeatureConfig
from vadkit.data import datadir
from vadkit.errors import InputError
from vadkit.features import cache
from vadkit.features.extract import feature_dim
from vadkit.features.grid import FrameGrid

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- the notebook's .mat lists
def read_list(lst: str | Path, folder: str | Path) -> list[Path]:
    """The .mat files a .lst names (one file name per line), found in `folder`."""
    lst, folder = Path(lst), Path(folder)
    if not lst.is_file():
        raise InputError(f"{lst}: list not found; pass the .lst file naming the .mat files")
    out = []
    for lineno, line in enumerate(lst.read_text(encoding="utf-8").splitlines(), 1):
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
    """X (frames, 60) float32 and Y (frames,) int8 of one notebook .mat file, checked: one InputError
    naming the file, what is wrong (and where) and the fix."""
    m = io.read_mat(path, ("X", "Y"))
    x, y = np.asarray(m["X"], dtype=np.float32), np.asarray(m["Y"])
    dim = feature_dim(cfg)
    if x.ndim != 2 or x.shape[1] != dim:
        raise InputError(f"{path}: X is {x.shape}, expected (frames, {dim}) (n_mfcc {cfg.n_mfcc} with "
                         f"{cfg.deltas} deltas, conf/features.yaml); save X as frames x {dim}, or set the "
                         "features config to how X was made")
    if len(x) == 0:
        raise InputError(f"{path}: X has no frames; drop the file from the list")
    y = y.reshape(-1) if y.ndim == 2 and 1 in y.shape else y
    if y.ndim != 1 or len(y) != len(x):
        raise InputError(f"{path}: Y is {m['Y'].shape}, expected ({len(x)}, 1) for the {len(x)} frames of X; "
                         "save one 0/1 label per frame of X")
    bad = np.flatnonzero(~np.isin(y, (0, 1)))
    if len(bad):
        raise InputError(f"{path}: Y holds {y[bad[0]]} in row {bad[0] + 1} ({len(bad)} rows not 0 or 1); labels "
                         "must be 0 (non-speech) or 1 (speech): re-export Y")
    bad = np.flatnonzero(~np.isfinite(x).all(axis=1))
    if len(bad):
        raise InputError(f"{path}: X holds NaN or infinite values in row {bad[0] + 1} ({len(bad)} rows); "
                         "re-export the features")
    return x, y.astype(np.int8)


def prepare_mat_set(mats: list[Path], out_dir: str | Path, cfg: FeatureConfig, fmt: str,
                    wav: str | Path | None = None, source: str = "") -> dict:
    """A data dir whose feature cache holds the .mat files' X and labels Y (not recomputed).

    Frames are 10 ms apart from the start, as the notebook reads them (hop_ms of the config);
    rttm regions come from Y by the frame grid, so they give back Y exactly.  Without `wav` the
    set is feature-only (no wav.scp); with it (one .mat file) wav.scp lists the audio, resampled
    once if needed, and Y must not outlast it.  Skipped when the cache is up to date and the files
    (names, sizes, modification times) are those it was made from.
    """
    out_dir, grid = datadir.check_out_dir(out_dir), FrameGrid.from_config(cfg)
    ids = io.unique_rec_ids(mats)  # reco2file maps them back to the files
    if wav is not None and len(mats) != 1:
        raise ValueError("audio goes with a single .mat file")
    src = {"from": source, "files_sha1": io.identity_digest(mats + ([Path(wav)] if wav is not None else []))}
    marker = out_dir / cache.MARKER
    if cache.is_up_to_date(out_dir, cfg, fmt, source=src):
        info = io.read_stamp(marker)
        log.info("%s: up to date with %s, nothing to do", out_dir, source)
        d = datadir.load_data_dir(out_dir)
        return {"recordings": info["n_recordings"], "frames": info["n_frames"],
                "speech_s": sum(e - s for v in d.regions.values() for s, e in v)}
    durs, regions, n_frames = {}, {}, {}
    for rec_id, p in zip(ids, mats):  # first pass: labels only, so the tables exist before the cache
        _, y = read_mat_features(p, cfg)
        n_frames[rec_id] = len(y)
        durs[rec_id] = (len(y) - 1) * grid.hop_s + grid.win_s  # exactly len(y) frames on the grid
        regions[rec_id] = grid.segments(y)
    if wav is not None:
        rate, n = io.audio_info(wav)
        if durs[ids[0]] > n / rate + datadir.DUR_TOLERANCE_S:
            raise InputError(f"{mats[0]}: Y has {n_frames[ids[0]]} frames ({durs[ids[0]]:.2f} s) but {wav} lasts "
                             f"{n / rate:.2f} s; pair the .mat file with its own audio")
    marker.unlink(missing_ok=True)   # only now: a bad file above leaves the previous set as it was
    wavs = {} if wav is None else {ids[0]: datadir.audio_at_rate(wav, cfg.sample_rate_hz, out_dir / "wav", ids[0])}
    datadir.write_data_dir(out_dir, wavs, regions, durations_s=None if wavs else durs,
                           files={k: str(p.absolute()) for k, p in zip(ids, mats)})
    order = sorted(range(len(ids)), key=lambda i: ids[i])
    cache.write(out_dir, cfg, fmt, ((ids[i], *read_mat_features(mats[i], cfg)) for i in order),
                        source=src)
    return {"recordings": len(ids), "frames": sum(n_frames.values()),
            "speech_s": sum(e - s for v in regions.values() for s, e in v)}
