"""The VAD tool's files: which recordings an INPUT names, and the outputs it writes (steps/vad.py).

INPUT: an audio file, a folder (searched recursively for audio files), or a Kaldi wav.scp (*.scp).
Outputs by format: json (the documented shape, VadResult.to_json), png (waveform + segments +
probabilities), and the label formats of vadkit.labels: rttm, segments (Kaldi), audacity (label
track), voz (one 0/1 per input sample, the notebook's format).  OUT is a folder (one output per input,
<rec_id>.<ext>) or one file (json: a list of objects; rttm, segments: all lines; other formats
only for a single input); none: text formats go to stdout.
"""
from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

from vadkit import io
from vadkit.errors import InputError
from vadkit.io import labels

log = logging.getLogger(__name__)
FORMATS = {"json": ".json", "rttm": ".rttm", "segments": ".segments", "audacity": ".txt", "voz": ".voz",
           "png": ".png"}
COMBINABLE = {"json", "rttm", "segments"}


def list_inputs(inputs: list[str]) -> list[tuple[str, str]]:
    """[(rec_id, path)] for files, folders and wav.scp files; rec_ids made unique."""
    items: list[tuple[str, str]] = []
    for inp in inputs:
        p = Path(inp)
        if p.is_dir():
            items += [(io.rec_id_of(f, under=p), str(f)) for f in io.find_audio([p])]
        elif p.suffix == ".scp":
            items += [(k, v[0]) for k, v in io.read_table(p).items()]
        else:
            items.append((io.rec_id_of(p), inp))  # missing files fail later, one line each
    seen: dict[str, int] = {}
    out = []
    for rec_id, path in items:
        n = seen[rec_id] = seen.get(rec_id, 0) + 1
        out.append((rec_id if n == 1 else f"{rec_id}-{n}", path))
    return out


class Outputs:
    """Where results go: per input as they arrive, or combined at close()."""

    def __init__(self, out: str | None, fmt: str, n_inputs: int, with_probs: bool = False):
        self.fmt, self.with_probs = fmt, with_probs
        self.folder = out is not None and (out.endswith("/") or Path(out).is_dir()
                                           or (n_inputs > 1 and fmt not in COMBINABLE))
        self.out = Path(out) if out is not None else None
        if self.out is None and fmt in ("voz", "png"):
            raise InputError(f"--format {fmt} needs -o OUT (a folder, or a file for one input)")
        if self.out is None and fmt == "audacity" and n_inputs > 1:
            raise InputError("--format audacity with several inputs needs -o OUT (a folder)")
        target = self.out if self.folder else (self.out.parent if self.out is not None else None)
        if target is not None:
            try:
                target.mkdir(parents=True, exist_ok=True)
                probe = target / f".write_test{os.getpid()}"
                probe.touch()
                probe.unlink()
            except OSError as e:
                raise InputError(f"{target}: output folder cannot be written ({e.strerror}); choose another -o")
        self.combined: dict[str, object] = {}

    def add(self, rec_id: str, res) -> None:
        """Write (or keep, for a combined output) one recording's result."""
        if self.folder:
            self._write(self.out / f"{rec_id}{FORMATS[self.fmt]}", {rec_id: res})
        else:
            self.combined[rec_id] = res

    def close(self) -> None:
        if self.folder or not self.combined:
            return
        if self.out is None:
            sys.stdout.write(self._text(self.combined))
            sys.stdout.flush()
        else:
            self._write(self.out, self.combined)

    def _text(self, results: dict) -> str:
        if self.fmt == "json":
            objs = [r.to_json(self.with_probs) for r in results.values()]
            return json.dumps(objs[0] if len(objs) == 1 and self.folder else objs, indent=1) + "\n"
        with tempfile.TemporaryDirectory() as d:  # labels.write writes files; stdout gets the same text
            self._write(Path(d) / f"out{FORMATS[self.fmt]}", results)
            return (Path(d) / f"out{FORMATS[self.fmt]}").read_text()

    def _write(self, path: Path, results: dict) -> None:
        try:
            if self.fmt == "png":
                from vadkit.eval import plots
                (rec_id, r), = results.items()
                env = envelope(r.file, 2000)
                plots.vad_overview(env, r.duration_s, r.segments, r.probs, r.frame_shift_s, path, title=rec_id)
            elif self.fmt == "json":
                io.write_text(path, self._text(results))
            else:
                r = next(iter(results.values()))
                labels.write(path, {k: v.segments for k, v in results.items()}, self.fmt,
                             n_samples=round(r.duration_s * r.sample_rate_hz), sample_rate_hz=r.sample_rate_hz)
        except OSError as e:
            raise InputError(f"{path}: cannot write the output ({e.strerror}); choose a writable -o") from None


def envelope(path: str, n_points: int) -> np.ndarray:
    """(n_points, 2) min/max of the signal over equal slices of the file, read block by block."""
    blocks = io.AudioBlocks(path, block_s=30.0)
    per = max(1, -(-blocks.n_samples // n_points))
    mins, maxs, rest = [], [], np.zeros(0, np.float32)
    for x in blocks:
        rest = np.concatenate([rest, x])
        k = len(rest) // per
        if k:
            v = rest[:k * per].reshape(k, per)
            mins.append(v.min(1))
            maxs.append(v.max(1))
            rest = rest[k * per:]
    if len(rest):
        mins.append(rest.min(keepdims=True))
        maxs.append(rest.max(keepdims=True))
    return np.stack([np.concatenate(mins), np.concatenate(maxs)], axis=1)


_WORKER = None


def _init_worker(model_dir: str, decode, vad_kwargs: dict) -> None:
    global _WORKER
    import torch

    from vadkit.tool.vad import Vad
    torch.set_num_threads(1)  # --nj workers share the cores
    _WORKER = Vad(model_dir, decode, **vad_kwargs)


def _process(item: tuple[str, str, int | None]):
    rec_id, path, channel = item
    try:
        return rec_id, _WORKER.run_file(path, channel), None
    except InputError as e:
        return rec_id, None, str(e)


def run(model_dir: str, inputs: list[str], out: str | None, fmt: str, decode, channel: int | None = None,
        with_probs: bool = False, nj: int = 1, progress: bool = True, **vad_kwargs) -> int:
    """Run the VAD over every recording INPUT names, writing outputs; returns the number that failed.

    A failed recording gets one line `<file>: what is wrong; the fix` (logged as an error); the
    others are still processed.  nj > 1: that many CPU worker processes, one thread each.
    """
    from tqdm import tqdm
    items = list_inputs(inputs)
    outputs = Outputs(out, fmt, len(items), with_probs)
    _init_worker(model_dir, decode, vad_kwargs)  # fails once, here, for a bad model dir
    rate = _WORKER.sample_rate_hz
    if nj > 1 and _WORKER.model.device.type != "cpu":
        log.info("running on %s: --nj %d ignored", _WORKER.model.device, nj)
        nj = 1
    work = [(rec_id, path, channel) for rec_id, path in items]
    failed, told_rates = 0, set()
    pool = None
    if nj > 1:
        import multiprocessing as mp
        pool = mp.get_context("spawn").Pool(nj, _init_worker, (model_dir, decode, vad_kwargs))
        results = pool.imap(_process, work)
    else:
        results = map(_process, work)
    try:
        for rec_id, res, err in tqdm(results, total=len(work), desc="vad", unit="file", disable=not progress):
            if err is None:
                try:
                    outputs.add(rec_id, res)
                except InputError as e:
                    err = str(e)
            if err is not None:
                failed += 1
                log.error("%s", err)
                continue
            for w in res.warnings:
                log.warning("%s", w)
            if res.sample_rate_hz != rate and res.sample_rate_hz not in told_rates:
                told_rates.add(res.sample_rate_hz)
                log.info("%s and other %d Hz inputs: resampled to the model's %d Hz", res.file, res.sample_rate_hz,
                         rate)
        outputs.close()
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    log.info("%d recordings, %d failed", len(work), failed)
    return failed
