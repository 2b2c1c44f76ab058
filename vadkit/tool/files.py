"""The VAD tool's files: which recordings an INPUT names, and the outputs it writes (steps/vad.py).

INPUT: an audio file, a folder (searched recursively for audio files), or a Kaldi wav.scp (*.scp).
Outputs by format: json (the documented shape, VadResult.to_json), png (waveform + segments +
probabilities), and the label formats of vadkit.labels: rttm, segments (Kaldi), audacity (label
track), voz (one 0/1 per input sample, the notebook's format).  OUT is a folder (one output per input,
<rec_id>.<ext>) or one file (json: a list of objects; rttm, segments: all lines; other formats
only for a single input); none: text formats go to stdout.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from vadkit import config, io, names
from vadkit.errors import DiskFull, InputError, Interrupted
from vadkit.io import labels

log = logging.getLogger(__name__)
FORMATS = {"json": ".json", "rttm": ".rttm", "segments": ".segments", "audacity": ".txt", "voz": ".voz",
           "png": ".png"}
COMBINABLE = {"json", "rttm", "segments"}


def list_inputs(inputs: list[str]) -> list[tuple[str, str]]:
    """[(rec_id, path)] for files, folders and wav.scp files; rec_ids by io.rec_id_of (a folder's files: their
    paths below it), made unique in input order by vadkit.names.unique (`-2`, `-3`, ...)."""
    items: list[tuple[str, str]] = []
    for inp in inputs:
        p = Path(inp)
        if p.is_dir():
            items += [(io.rec_id_of(f, under=p), str(f)) for f in io.find_audio([p])]
        elif p.suffix == ".scp":
            items += [(k, v[0]) for k, v in io.read_table(p).items()]
        else:
            items.append((io.rec_id_of(p), inp))  # missing files fail later, one line each
    return list(zip(names.unique(k for k, _ in items), (p for _, p in items)))


class Outputs:
    """Where results go: per input as they arrive (a folder: OUT/<rec_id>.<ext>; one file combining
    several inputs: the parts folder .<OUT name>.parts/ beside it, assembled into OUT at close(); one
    file of one input in another format: OUT itself), or to stdout at close().

    Each output written to disk gets a stamp (.<name>.stamp beside it) recording its signature: the
    input file's identity and the run's settings; a re-run keeps the outputs whose stamp is current."""

    def __init__(self, out: str | None, fmt: str, n_inputs: int, with_probs: bool = False):
        self.fmt, self.with_probs = fmt, with_probs
        self.folder = out is not None and (out.endswith("/") or Path(out).is_dir()
                                           or (n_inputs > 1 and fmt not in COMBINABLE))
        self.out = Path(out) if out is not None else None
        if self.out is None and fmt in ("voz", "png"):
            raise InputError(f"--format {fmt} needs -o OUT (a folder, or a file for one input)")
        if self.out is None and fmt == "audacity" and n_inputs > 1:
            raise InputError("--format audacity with several inputs needs -o OUT (a folder)")
        self.parts = None
        if not self.folder and self.out is not None and fmt in COMBINABLE:
            self.parts = self.out.parent / f".{self.out.name}.parts"
        target = self.out if self.folder else self.parts or (self.out.parent if self.out is not None else None)
        if target is not None:
            try:
                target.mkdir(parents=True, exist_ok=True)
                probe = target / f".write_test{os.getpid()}"
                probe.touch()
                probe.unlink()
            except OSError as e:
                raise InputError(f"{target}: output folder cannot be written ({e.strerror}); choose another -o")
        self.results: dict[str, object] = {}      # stdout: kept until close()
        self.done: list[str] = []                 # rec_ids whose output is complete on disk, in input order

    def path_of(self, rec_id: str) -> Path | None:
        """Where one input's output (or part) goes; None for stdout."""
        if self.folder or self.parts is not None:
            return (self.out if self.folder else self.parts) / f"{rec_id}{FORMATS[self.fmt]}"
        return self.out

    def plan(self, items: list[tuple[str, str]], settings: dict, overwrite: bool = False) -> list[tuple]:
        """[(rec_id, path, signature)] of the inputs still to run.  The others' outputs are complete and
        current (same input file, same `settings`): kept, and counted in self.done, unless `overwrite`."""
        todo = []
        for rec_id, path in items:
            try:
                signature = {"input": io.file_id(path), **settings}
            except OSError:
                signature = None     # missing input: it fails later, one line
            out = self.path_of(rec_id)
            if (not overwrite and out is not None and signature is not None
                    and io.is_current(_stamp(out), signature, [out])):
                self.done.append(rec_id)
            else:
                todo.append((rec_id, path, signature))
        return todo

    def add(self, rec_id: str, res, signature: dict | None = None) -> None:
        """Write one recording's output (or part) and then its stamp; stdout: keep it for close()."""
        out = self.path_of(rec_id)
        if out is None:
            self.results[rec_id] = res
            return
        self._write(out, {rec_id: res})
        if signature is not None:
            io.write_stamp(_stamp(out), signature)
        self.done.append(rec_id)

    def close(self, order: list[str] | None = None) -> None:
        """Print to stdout, or assemble OUT from the parts of the finished inputs (in `order`, default
        as finished; rttm and segments sorted by rec_id as the recipe writes them)."""
        if self.out is None and self.results:
            with io.reporting_disk_full("stdout", fix="free space where it goes, or write elsewhere with -o"):
                write_stdout(self._text(self.results))
        if self.parts is None or not self.done:
            return
        done = set(self.done)
        rec_ids = [k for k in order or self.done if k in done]
        parts = [self.path_of(k) for k in rec_ids]
        try:
            if self.fmt == "json":
                io.write_text(self.out, json.dumps([json.loads(p.read_text()) for p in parts], indent=1) + "\n")
            else:
                io.write_text(self.out, "".join(self.path_of(k).read_text() for k in sorted(rec_ids)))
        except OSError as e:
            raise InputError(f"{self.out}: cannot write the output ({e.strerror}); choose a writable -o") from None

    def kept(self, n_inputs: int) -> str:
        """What an interrupted run leaves, for its one line."""
        n = len(self.done)
        if self.out is None:
            return f"{len(self.results)} of {n_inputs} finished, none printed (stdout comes at the end; use -o)"
        if self.parts is not None:
            return f"{n} of {n_inputs} outputs finished are kept in {self.parts}/; a re-run reuses them"
        return f"{n} of {n_inputs} outputs finished are kept; a re-run skips them"

    def _text(self, results: dict) -> str:
        if self.fmt == "json":
            objs = [r.to_json(self.with_probs) for r in results.values()]
            return json.dumps(objs[0] if len(objs) == 1 and self.out is not None else objs, indent=1) + "\n"
        with tempfile.TemporaryDirectory() as d:  # labels.write writes files; stdout gets the same text
            self._write(Path(d) / f"out{FORMATS[self.fmt]}", results)
            return (Path(d) / f"out{FORMATS[self.fmt]}").read_text(encoding="utf-8")

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


def write_stdout(text: str) -> None:
    """`text` to stdout; in UTF-8 when stdout's encoding cannot hold it (ids of a script the locale lacks),
    as the output files are."""
    try:
        sys.stdout.write(text)
    except UnicodeEncodeError:   # raised before anything is written
        sys.stdout.flush()
        sys.stdout.buffer.write(text.encode("utf-8"))
    sys.stdout.flush()


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


def _stamp(output: Path) -> Path:
    return output.with_name(f".{output.name}.stamp")


_WORKER = None


def _init_worker(model_dir: str, decode, vad_kwargs: dict) -> None:
    global _WORKER
    import torch

    from vadkit.tool.vad import Vad
    torch.set_num_threads(1)  # --nj workers share the cores
    _WORKER = Vad(model_dir, decode, **vad_kwargs)


def _init_pool_worker(*args) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group: the parent decides
    _init_worker(*args)


def _process(item: tuple[str, str, int | None]):
    rec_id, path, channel = item
    try:
        return rec_id, _WORKER.run_file(path, channel), None
    except DiskFull:
        raise              # every input after it would fail alike: the run stops
    except InputError as e:
        return rec_id, None, str(e)


def _on_sigterm(signum, frame):
    raise Interrupted(signum=signum)


@contextlib.contextmanager
def _interruptible(outputs: Outputs, n_inputs: int):
    """SIGTERM stops the work as Ctrl-C does; either raises Interrupted saying what was kept."""
    main = threading.current_thread() is threading.main_thread()   # handlers can only be set there
    old = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    if main:
        signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        yield
    except KeyboardInterrupt as e:
        raise Interrupted(outputs.kept(n_inputs), getattr(e, "signum", signal.SIGINT)) from None
    finally:
        if main:
            for s, handler in old.items():
                signal.signal(s, handler)


def _results(work: list[tuple], nj: int, initargs: tuple) -> Iterator[tuple]:
    """(rec_id, result, error) per work item, in order; nj > 1: from that many worker processes.
    On an interrupt the queued work is dropped and the workers are stopped at once."""
    if nj == 1 or len(work) < 2:
        yield from map(_process, work)
        return
    import multiprocessing as mp
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)   # inherited: workers starting up ignore Ctrl-C
    try:
        pool = mp.get_context("spawn").Pool(nj, _init_pool_worker, initargs)
    finally:
        signal.signal(signal.SIGINT, old)
    try:
        yield from pool.imap(_process, work)
        pool.close()
    except BaseException:
        for s in (signal.SIGINT, signal.SIGTERM):   # a second Ctrl-C must not break the clean-up
            signal.signal(s, signal.SIG_IGN)
        pool.terminate()
        raise
    finally:
        pool.join()


def run(model_dir: str, inputs: list[str], out: str | None, fmt: str, decode, channel: int | None = None,
        with_probs: bool = False, nj: int = 1, progress: bool = True, overwrite: bool = False,
        **vad_kwargs) -> int:
    """Run the VAD over every recording INPUT names, writing outputs; returns the number that failed.

    A failed recording gets one line `<file>: what is wrong; the fix` (logged as an error); the
    others are still processed.  nj > 1: that many CPU worker processes, one thread each.  Inputs
    whose output is current (same input file, model and settings: its stamp) are skipped unless
    `overwrite`.  SIGINT or SIGTERM stop at once with Interrupted, a full disk with DiskFull (naming the
    output, or the temporary folder); finished outputs (parts) are kept.
    """
    items = list_inputs(inputs)
    outputs = Outputs(out, fmt, len(items), with_probs)
    _init_worker(model_dir, decode, vad_kwargs)  # fails once, here, for a bad model dir
    settings = {"model": io.identity_digest([_WORKER.model.path]), "decode": config.to_dict(_WORKER.decode),
                "format": fmt, "probs": with_probs, "channel": channel,
                **{k: v for k, v in sorted(vad_kwargs.items()) if k != "device"}}
    work = outputs.plan(items, settings, overwrite)
    if len(work) < len(items):
        log.info("%d of %d inputs skipped: their outputs are current (--overwrite true redoes them)",
                 len(items) - len(work), len(items))
    if nj > 1 and _WORKER.model.device.type != "cpu":
        log.info("running on %s: --nj %d ignored", _WORKER.model.device, nj)
        nj = 1
    try:
        with _interruptible(outputs, len(items)):
            failed = _write_all(outputs, work, channel, nj, progress, (model_dir, decode, vad_kwargs))
            outputs.close([rec_id for rec_id, _ in items])
    except DiskFull as e:
        raise DiskFull(f"{e}; {outputs.kept(len(items))}") from None
    log.info("%d recordings, %d failed", len(items), failed)
    return failed


def _write_all(outputs: Outputs, work: list[tuple], channel: int | None, nj: int, progress: bool,
               initargs: tuple) -> int:
    """Run and write every work item (rec_id, path, signature); returns the number that failed."""
    from tqdm import tqdm
    signatures = {rec_id: sig for rec_id, _, sig in work}
    failed, told_rates, rate = 0, set(), _WORKER.sample_rate_hz
    results = _results([(rec_id, path, channel) for rec_id, path, _ in work], nj, initargs)
    # closing: an interrupt while an output is written still stops the workers, at once
    with contextlib.closing(results), tqdm(results, total=len(work), desc="vad", unit="file",
                                           disable=not progress) as bar:
        for rec_id, res, err in bar:
            if err is None:
                try:
                    outputs.add(rec_id, res, signatures[rec_id])
                except DiskFull:
                    raise
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
    return failed
