"""File formats: atomic writes, audio, Kaldi text tables, RTTM, segments, feature caches.

Every other label format (.voz, Audacity, CSV, .scv) is in vadkit.labels.

Everything the recipe writes goes through `atomic_write`, so an interrupted run never leaves a
half-written file under a final name.  Segments are lists of (start_s, end_s) float pairs.
"""
from __future__ import annotations

import contextlib
import json
import math
import os
import re
from pathlib import Path
from typing import Iterator, Mapping, Sequence

import numpy as np

from vadkit.errors import InputError

Segments = list[tuple[float, float]]
REC_ID_RE = re.compile(r"^[A-Za-z0-9_.-]+$")


# ---------------------------------------------------------------- atomic writes
@contextlib.contextmanager
def atomic_write(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success rename it to `path`, on error delete it.

    The temporary name keeps the suffix so libraries that look at it (soundfile, h5py) still work.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp{os.getpid()}.{path.name}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_text(path: str | os.PathLike, text: str) -> None:
    with atomic_write(path) as tmp:
        tmp.write_text(text)


def write_json(path: str | os.PathLike, obj) -> None:
    write_text(path, json.dumps(obj, indent=2, sort_keys=False) + "\n")


def read_json(path: str | os.PathLike):
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: not valid JSON ({e}); delete it and re-run the stage that makes it") from None


# ---------------------------------------------------------------- audio
def audio_info(path: str | os.PathLike) -> tuple[int, int]:
    """(sample_rate_hz, n_samples) from the header, without reading the samples."""
    import soundfile as sf
    try:
        info = sf.info(str(path))
    except FileNotFoundError:
        raise InputError(f"{path}: audio file not found; fix the path in wav.scp") from None
    except RuntimeError as e:
        raise InputError(f"{path}: unreadable audio ({e}); re-export it as wav/flac/ogg") from None
    return int(info.samplerate), int(info.frames)


def check_wav_complete(path: str | os.PathLike) -> None:
    """Raise InputError if a RIFF/WAVE file holds fewer data bytes than its header declares
    (a truncated copy or download; libsndfile would silently read the shorter signal)."""
    path = Path(path)
    with open(path, "rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return
        size = path.stat().st_size
        while True:
            chunk = f.read(8)
            if len(chunk) < 8:
                raise InputError(f"{path}: wav has no data chunk (truncated?); re-export or re-copy the file")
            cid, n = chunk[:4], int.from_bytes(chunk[4:], "little")
            if cid == b"data":
                if f.tell() + n > size and n != 0xFFFFFFFF:  # 0xFFFFFFFF: streaming writers' "unknown"
                    raise InputError(f"{path}: wav is truncated: header declares {n} data bytes, "
                                     f"file holds {size - f.tell()}; re-copy or re-export the file")
                return
            f.seek(n + (n & 1), 1)


def read_audio(path: str | os.PathLike, sample_rate_hz: int | None = None) -> tuple[np.ndarray, int]:
    """Read an audio file as mono float32 in [-1, 1]: (samples (n,), rate_hz).

    Stereo is averaged to mono.  With `sample_rate_hz`, other rates are resampled to it.
    Empty, truncated or non-finite audio raises InputError naming the file.
    """
    import soundfile as sf
    if not Path(path).is_file():
        raise InputError(f"{path}: audio file not found; fix the path in wav.scp")
    try:
        x, sr = sf.read(str(path), dtype="float32", always_2d=True)
    except (RuntimeError, sf.LibsndfileError) as e:
        raise InputError(f"{path}: unreadable or truncated audio ({e}); re-export the file") from None
    if x.shape[0] == 0:
        raise InputError(f"{path}: audio is empty (0 samples); remove it from the list or re-export it")
    x = x.mean(axis=1) if x.shape[1] > 1 else x[:, 0]
    if not np.all(np.isfinite(x)):
        raise InputError(f"{path}: audio contains NaN or infinite samples; re-export the file")
    if sample_rate_hz is not None and sr != sample_rate_hz:
        x, sr = resample(x, sr, sample_rate_hz), sample_rate_hz
    return np.ascontiguousarray(x, dtype=np.float32), int(sr)


def read_audio_part(path: str | os.PathLike, start: int, frames: int) -> np.ndarray:
    """`frames` samples from sample `start` (at the file's own rate), mono float32, without reading the
    rest of the file (for excerpts of long recordings)."""
    import soundfile as sf
    try:
        x, _ = sf.read(str(path), start=int(start), frames=int(frames), dtype="float32", always_2d=True)
    except (RuntimeError, sf.LibsndfileError) as e:
        raise InputError(f"{path}: unreadable or truncated audio ({e}); re-export the file") from None
    return np.ascontiguousarray(x.mean(axis=1) if x.shape[1] > 1 else x[:, 0], dtype=np.float32)


def resample(x: np.ndarray, from_hz: int, to_hz: int) -> np.ndarray:
    """Polyphase resampling (scipy), float32 out."""
    from scipy.signal import resample_poly
    if from_hz == to_hz:
        return x.astype(np.float32)
    g = math.gcd(int(from_hz), int(to_hz))
    return resample_poly(x, to_hz // g, from_hz // g).astype(np.float32)


class BlockResampler:
    """resample() for a signal fed in blocks: the concatenated output equals resample() of the whole
    (to float32 rounding), because every output sample is computed with its full filter support."""

    def __init__(self, from_hz: int, to_hz: int):
        g = math.gcd(int(from_hz), int(to_hz))
        self.up, self.down = to_hz // g, from_hz // g
        half_len = 10 * max(self.up, self.down)  # resample_poly's default filter half-length (upsampled rate)
        # input samples of margin each side, a multiple of `down` so block starts stay on the output grid
        self.margin = self.down * math.ceil((half_len // self.up + 2) / self.down)
        self.buf = np.zeros(0, np.float32)
        self.start = 0          # input index of buf[0] (a multiple of down)
        self.n_out = 0          # output samples returned so far
        self.n_in = 0

    def push(self, x: np.ndarray, final: bool = False) -> np.ndarray:
        from scipy.signal import resample_poly
        if self.up == self.down:
            return np.asarray(x, np.float32)
        self.buf = np.concatenate([self.buf, np.asarray(x, np.float32)])
        self.n_in += len(x)
        if not final and len(self.buf) < 4 * self.margin:
            return np.zeros(0, np.float32)
        y = resample_poly(self.buf, self.up, self.down)
        first = self.n_out - self.start * self.up // self.down  # outputs of this buffer already returned
        if final:
            total = -(-self.n_in * self.up // self.down)
            out = y[first:total - self.start * self.up // self.down]
        else:
            keep_from = (len(self.buf) - 2 * self.margin) // self.down * self.down  # next buffer starts here
            last = (keep_from + self.margin) * self.up // self.down  # outputs with full support end here
            out = y[first:last]
            self.buf, self.start = self.buf[keep_from:], self.start + keep_from
        self.n_out += len(out)
        return out.astype(np.float32)


class AudioBlocks:
    """Read an audio file block by block (bounded memory): mono float32 at `sample_rate_hz`.

    Stereo is averaged (or one `channel`, 0-based); other rates are resampled block-wise
    (BlockResampler).  Attributes from the header: file_rate_hz, n_samples (at the file's rate),
    channels.  Iterating raises InputError naming the file for NaN/inf samples.
    """

    def __init__(self, path: str | os.PathLike, sample_rate_hz: int | None = None, channel: int | None = None,
                 block_s: float = 60.0):
        import soundfile as sf
        self.path = Path(path)
        if not self.path.is_file():
            raise InputError(f"{path}: audio file not found; fix the path")
        try:
            info = sf.info(str(path))
        except (RuntimeError, sf.LibsndfileError) as e:
            raise InputError(f"{path}: unreadable audio ({e}); convert it to wav, flac or ogg") from None
        self.file_rate_hz, self.n_samples, self.channels = int(info.samplerate), int(info.frames), int(info.channels)
        self.sample_rate_hz = sample_rate_hz or self.file_rate_hz
        if self.n_samples <= 0:
            raise InputError(f"{path}: audio is empty (0 samples); remove it from the list or re-export it")
        if channel is not None and not 0 <= channel < self.channels:
            raise InputError(f"{path}: has {self.channels} channel(s), no channel {channel}; pick 0..{self.channels - 1}")
        self.channel, self.block = channel, max(1, int(block_s * self.file_rate_hz))
        if self.path.suffix.lower() == ".wav":
            check_wav_complete(self.path)

    @property
    def duration_s(self) -> float:
        return self.n_samples / self.file_rate_hz

    def __iter__(self) -> Iterator[np.ndarray]:
        import soundfile as sf
        rs = BlockResampler(self.file_rate_hz, self.sample_rate_hz)
        try:
            with sf.SoundFile(str(self.path)) as f:
                while True:
                    x = f.read(self.block, dtype="float32", always_2d=True)
                    final = len(x) < self.block
                    x = x.mean(axis=1) if self.channel is None else x[:, self.channel]
                    if not np.all(np.isfinite(x)):
                        raise InputError(f"{self.path}: audio contains NaN or infinite samples; re-export the file")
                    y = rs.push(x, final=final)
                    if len(y):
                        yield y
                    if final:
                        return
        except (RuntimeError, sf.LibsndfileError) as e:
            raise InputError(f"{self.path}: unreadable or truncated audio ({e}); re-export the file") from None


def write_wav(path: str | os.PathLike, x: np.ndarray, sample_rate_hz: int) -> None:
    """16-bit PCM wav, clipped to [-1, 1], written atomically."""
    import soundfile as sf
    with atomic_write(path) as tmp:
        sf.write(str(tmp), np.clip(x, -1.0, 1.0), int(sample_rate_hz), subtype="PCM_16", format="WAV")


# ---------------------------------------------------------------- Kaldi text tables
def read_table(path: str | os.PathLike, n_fields: int | None = 2) -> dict[str, list[str]]:
    """Read a Kaldi-style table `<id> <field> ...` into {id: [fields...]}, in file order.

    Checks: the id is valid and unique; with `n_fields`, each line has exactly that many fields
    (for 2-field tables the value may contain spaces and is returned as one field).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    table: dict[str, list[str]] = {}
    for lineno, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        fields = line.split(maxsplit=1) if n_fields == 2 else line.split()
        if n_fields is not None and len(fields) != n_fields:
            raise InputError(f"{path}:{lineno}: expected {n_fields} fields, got {len(fields)}: {line!r}")
        key = fields[0]
        if not REC_ID_RE.match(key):
            raise InputError(f"{path}:{lineno}: id {key!r} has characters outside [A-Za-z0-9_.-]; rename it")
        if key in table:
            raise InputError(f"{path}:{lineno}: duplicate id {key!r}; ids must be unique")
        table[key] = fields[1:]
    return table


def write_table(path: str | os.PathLike, rows: Mapping[str, object]) -> None:
    """Write {id: value} as `<id> <value>` lines sorted by id (byte order), atomically."""
    write_text(path, "".join(f"{k} {rows[k]}\n" for k in sorted(rows)))


# ---------------------------------------------------------------- RTTM and segments
def iter_rttm(path: str | os.PathLike) -> Iterator[tuple[int, str, float, float]]:
    """Yield (line_number, rec_id, start_s, end_s) for each SPEAKER line of an RTTM file.

    A malformed line (too few fields, non-numbers, negative start, duration <= 0) raises
    InputError naming the file and line.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    for lineno, line in enumerate(path.read_text().splitlines(), 1):
        f = line.split()
        if not f or f[0] != "SPEAKER":
            continue
        if len(f) < 5:
            raise InputError(f"{path}:{lineno}: RTTM SPEAKER line needs at least 5 fields: {line!r}")
        try:
            start, dur = float(f[3]), float(f[4])
        except ValueError:
            raise InputError(f"{path}:{lineno}: start/duration are not numbers: {line!r}") from None
        if not (math.isfinite(start) and math.isfinite(dur)) or start < 0 or dur <= 0:
            raise InputError(f"{path}:{lineno}: region {start:.3f}-{start + dur:.3f} s is invalid "
                             "(start must be >= 0 and duration > 0); fix the label export or drop the line")
        yield lineno, f[1], start, start + dur


def read_rttm(path: str | os.PathLike) -> dict[str, Segments]:
    """Read speech regions from an RTTM file: {rec_id: sorted, merged [(start_s, end_s)]}.

    Only SPEAKER lines count, whatever the speaker label: overlapping turns merge into one region.
    """
    regions: dict[str, Segments] = {}
    for _, rec_id, start, end in iter_rttm(path):
        regions.setdefault(rec_id, []).append((start, end))
    return {k: merge_segments(v) for k, v in regions.items()}


def write_rttm(path: str | os.PathLike, regions: Mapping[str, Segments]) -> None:
    """Write speech regions as RTTM SPEAKER lines (speaker label `speech`), sorted, ms precision."""
    lines = []
    for rec_id in sorted(regions):
        for s, e in regions[rec_id]:
            lines.append(f"SPEAKER {rec_id} 1 {s:.3f} {e - s:.3f} <NA> <NA> speech <NA> <NA>\n")
    write_text(path, "".join(lines))


def write_segments(path: str | os.PathLike, regions: Mapping[str, Segments]) -> None:
    """Kaldi `segments`: `<rec_id>-<start_cs>-<end_cs> <rec_id> <start_s> <end_s>`."""
    lines = []
    for rec_id in sorted(regions):
        for s, e in regions[rec_id]:
            lines.append(f"{rec_id}-{round(s * 100):07d}-{round(e * 100):07d} {rec_id} {s:.3f} {e:.3f}\n")
    write_text(path, "".join(sorted(lines)))


def merge_segments(segs: Sequence[tuple[float, float]]) -> Segments:
    """Sort and merge overlapping or touching regions."""
    out: Segments = []
    for s, e in sorted(segs):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((float(s), float(e)))
    return out


# ---------------------------------------------------------------- .mat (the notebook's features)
def read_mat(path: str | os.PathLike, names: Sequence[str]) -> dict[str, np.ndarray]:
    """Variables `names` of a MATLAB file, classic (scipy.io) or v7.3 (HDF5, h5py), as numpy arrays
    in MATLAB's orientation (a v7.3 file stores them transposed; they are turned back).

    A missing file, an unreadable file or a missing variable raises InputError naming it.
    """
    import h5py
    import scipy.io
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: .mat file not found; fix the list or the folder")
    if h5py.is_hdf5(path):
        with h5py.File(path, "r") as f:
            found = {k for k in f.keys() if isinstance(f[k], h5py.Dataset)}
            _check_mat_names(path, names, found)
            return {k: np.asarray(f[k][()]).T for k in names}
    try:
        m = scipy.io.loadmat(path, variable_names=list(names))
        if not set(names) <= set(m):
            _check_mat_names(path, names, {n for n, *_ in scipy.io.whosmat(path)})
    except (ValueError, TypeError, OSError, NotImplementedError, scipy.io.matlab.MatReadError) as e:
        raise InputError(f"{path}: not a readable .mat file ({e}); re-save it from MATLAB/scipy") from None
    return {k: np.asarray(m[k]) for k in names}


def _check_mat_names(path: Path, names: Sequence[str], found: set) -> None:
    for k in names:
        if k not in found:
            have = ", ".join(sorted(x for x in found if not x.startswith("__"))) or "nothing"
            raise InputError(f"{path}: no variable {k!r} in the .mat file (it holds: {have}); save the "
                             f"features as X (frames x 60) and the labels as Y (frames x 1)")


# ---------------------------------------------------------------- feature caches
class ArkWriter:
    """Write {rec_id: matrix} into one Kaldi ark with its scp (kaldiio), atomically."""

    def __init__(self, ark: str | os.PathLike, scp: str | os.PathLike):
        self.ark, self.scp = Path(ark), Path(scp)
        self.ark.parent.mkdir(parents=True, exist_ok=True)
        self._tmp_ark = self.ark.with_name(f".tmp{os.getpid()}.{self.ark.name}")
        self._tmp_scp = self.scp.with_name(f".tmp{os.getpid()}.{self.scp.name}")
        import kaldiio
        self._w = kaldiio.WriteHelper(f"ark,scp:{self._tmp_ark},{self._tmp_scp}")

    def write(self, rec_id: str, mat: np.ndarray) -> None:
        self._w(rec_id, mat)

    def close(self) -> None:
        self._w.close()
        # The scp must name the final ark, not the temporary one.
        text = self._tmp_scp.read_text().replace(str(self._tmp_ark), str(self.ark))
        self._tmp_scp.unlink()
        os.replace(self._tmp_ark, self.ark)
        write_text(self.scp, text)

    def abort(self) -> None:
        self._w.close()
        for p in (self._tmp_ark, self._tmp_scp):
            if p.exists():
                p.unlink()


def read_scp(scp: str | os.PathLike) -> Mapping[str, np.ndarray]:
    """Lazy {rec_id: array} over a Kaldi scp (kaldiio)."""
    import kaldiio
    if not Path(scp).is_file():
        raise InputError(f"{scp}: file not found; run the stage that makes it")
    return kaldiio.load_scp(str(scp))


class H5Writer:
    """Write arrays into groups of one HDF5 file (h5py), atomically: `write(group, rec_id, array)`."""

    def __init__(self, path: str | os.PathLike):
        import h5py
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = self.path.with_name(f".tmp{os.getpid()}.{self.path.name}")
        self._f = h5py.File(self._tmp, "w")

    def write(self, group: str, rec_id: str, arr: np.ndarray) -> None:
        self._f.require_group(group).create_dataset(rec_id, data=arr)

    def close(self) -> None:
        self._f.close()
        os.replace(self._tmp, self.path)

    def abort(self) -> None:
        self._f.close()
        self._tmp.unlink(missing_ok=True)


def read_h5(path: str | os.PathLike, group: str, keys=None) -> dict[str, np.ndarray] | None:
    """Read one group of an HDF5 file (only `keys` if given) into memory: {rec_id: array};
    None if the group is absent."""
    import h5py
    if not Path(path).is_file():
        raise InputError(f"{path}: file not found; run the stage that makes it")
    with h5py.File(path, "r") as f:
        if group not in f:
            return None
        return {k: f[group][k][()] for k in f[group] if keys is None or k in keys}
