"""Audio files: read (whole, part, in blocks), resample, write 16-bit wavs, find the audio files of folders."""
from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from vadkit.errors import InputError
from vadkit.io.files import atomic_write


# ---------------------------------------------------------------- audio
_WHERE_PATHS = "fix its path (in wav.scp, the list or the command line that names it)"


def audio_info(path: str | os.PathLike) -> tuple[int, int]:
    """(sample_rate_hz, n_samples) from the header, without reading the samples.  A wav holding fewer
    samples than its header declares raises InputError (check_wav_complete)."""
    import soundfile as sf
    try:
        info = sf.info(str(path))
    except FileNotFoundError:
        raise InputError(f"{path}: audio file not found; {_WHERE_PATHS}") from None
    except RuntimeError as e:
        raise InputError(f"{path}: unreadable audio ({e}); re-export it as wav/flac/ogg") from None
    check_wav_complete(path)
    return int(info.samplerate), int(info.frames)


def check_wav_complete(path: str | os.PathLike) -> None:
    """Raise InputError if a RIFF/WAVE file holds fewer samples than its header declares (a truncated
    copy or download: libsndfile would silently read the shorter signal, and a resampled copy of it
    would hide the cut).  Other files pass unread."""
    path = Path(path)
    with open(path, "rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return
        size, block_align = path.stat().st_size, 0
        while True:
            chunk = f.read(8)
            if len(chunk) < 8:
                raise InputError(f"{path}: wav has no data chunk (truncated?); re-export or re-copy the file")
            cid, n = chunk[:4], int.from_bytes(chunk[4:], "little")
            skip = n + (n & 1)
            if cid == b"fmt " and n >= 14:
                block_align = int.from_bytes(f.read(14)[12:14], "little")  # bytes per sample, all channels
                skip -= 14
            if cid == b"data":
                if f.tell() + n > size and n != 0xFFFFFFFF:  # 0xFFFFFFFF: streaming writers' "unknown"
                    held, unit = size - f.tell(), "data bytes"
                    if block_align:
                        n, held, unit = n // block_align, held // block_align, "samples"
                    raise InputError(f"{path}: wav is truncated: header says {n} {unit}, file holds {held}; "
                                     "re-export it (or copy it again)")
                return
            f.seek(skip, 1)


def check_float_range(path: str | os.PathLike) -> None:
    """Raise InputError naming the peak if a file of float samples (subtype FLOAT or DOUBLE) reaches beyond
    [-1, 1]: its scale is wrong, and data prep's 16-bit copy would clip it.  Other files pass unread."""
    import soundfile as sf
    if sf.info(str(path)).subtype not in ("FLOAT", "DOUBLE"):
        return
    peak = 0.0
    for block in sf.blocks(str(path), blocksize=1 << 20, dtype="float32", always_2d=True):
        peak = max(peak, float(np.abs(block).max(initial=0.0)))
    if peak > 1.0:
        raise InputError(f"{path}: float samples reach {peak:.3g}, beyond [-1, 1] (a 16-bit copy would clip them); "
                         "rescale the file to [-1, 1] and re-export it")


def read_audio(path: str | os.PathLike, sample_rate_hz: int | None = None) -> tuple[np.ndarray, int]:
    """Read an audio file as mono float32 in [-1, 1]: (samples (n,), rate_hz).

    Stereo is averaged to mono.  With `sample_rate_hz`, other rates are resampled to it.
    Empty, truncated (check_wav_complete) or non-finite audio raises InputError naming the file.
    """
    import soundfile as sf
    if not Path(path).is_file():
        raise InputError(f"{path}: audio file not found; {_WHERE_PATHS}")
    check_wav_complete(path)
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


# The audio files libsndfile (soundfile) reads, by name: the one list every search for audio uses.
AUDIO_SUFFIXES = (".aif", ".aiff", ".au", ".caf", ".flac", ".mp3", ".nist", ".oga", ".ogg", ".opus", ".rf64", ".snd",
                  ".sph", ".w64", ".wav")


def find_audio(folders: Sequence[str | os.PathLike], lists: Sequence[str | os.PathLike] = (),
               skip: str | os.PathLike | None = None, suffixes: Sequence[str] = AUDIO_SUFFIXES) -> list[Path]:
    """The audio files (by name: `suffixes`, any case) in each of `folders` and below it, but not under
    `skip` (e.g. the data dir being written inside a folder), and the files named in each of `lists`
    (one path per line, taken whatever their name): sorted, without duplicates.

    InputError naming it for a folder that is missing or holds no audio file, a list file that is
    missing, a listed file that does not exist.
    """
    wanted = {x.lower() for x in suffixes}
    skip = Path(skip).resolve() if skip is not None else None
    files: set[Path] = set()
    for folder in map(Path, folders):
        if not folder.is_dir():
            raise InputError(f"{folder}: not a folder; pass the folder holding the audio files")
        found = [f for f in folder.rglob("*") if f.suffix.lower() in wanted and f.is_file()
                 and not (skip is not None and f.resolve().is_relative_to(skip))]
        if not found:
            raise InputError(f"{folder}: no audio files ({', '.join(sorted(wanted))}) in it or below it; pass the "
                             "folder holding them")
        files.update(found)
    for lst in map(Path, lists):
        if not lst.is_file():
            raise InputError(f"{lst}: list file not found; fix the path")
        for lineno, line in enumerate(lst.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                f = Path(line.strip())
                if not f.is_file():
                    raise InputError(f"{lst}:{lineno}: {f} does not exist; fix or drop the line")
                files.add(f)
    return sorted(files)
