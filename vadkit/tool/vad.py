"""Run a trained VAD on your own audio: numpy arrays or files of any length, in bounded memory.

    from vadkit import Vad
    vad = Vad("exp/lstm")                        # exp/<model>/ or its final.pt; conf/decode.yaml post-processing
    segs = vad.segments_of_file("talk.wav")      # [(start_s, end_s), ...]
    res = vad.run(x, 16000)                      # VadResult: .segments, .probs (one per 10 ms frame), .to_json()

Files are read in blocks (AudioBlocks: mono mix or one channel, resampled to the model's rate);
the feature dB floor is fixed by the whole recording, as in the recipe, through a two-pass read
whose first pass spills the log-mel frames to a temporary file, so memory does not grow with length
beyond the output probabilities.  The network sees the features either in one pass (chunk_s=None:
exactly the recipe's decode; a unidirectional model carries its state from block to block) or in
chunks of chunk_s seconds with context_s seconds of context (left only for unidirectional models, plus
their label delay on the right; both sides for bidirectional), batch_size chunks at a time: much faster on
a CPU, and within a stated tolerance of the one-pass probabilities (README, "Running the VAD on your audio").
"""
from __future__ import annotations

import dataclasses
import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np
import torch

from vadkit import config, intervals, io
from vadkit.config import BRIDGE_KEYS, DecodeConfig
from vadkit.decode import decoding
from vadkit.decode.postprocess import bridge_recording, probs_to_segments
from vadkit.errors import InputError
from vadkit.features.extract import (TOP_DB, FeatureStream, analysis_dim, features_read, log_mel, loudest_db,
                                     static_dim)
from vadkit.models.checkpoint import TrainedModel
from vadkit.models.logits import sigmoid
from vadkit.tool import pretrained

log = logging.getLogger(__name__)
RECIPE_DECODE_CONF = Path(__file__).resolve().parents[2] / "conf" / "decode.yaml"


@dataclass
class VadResult:
    """One recording's result.  probs: (n_frames,) float32 P(speech), frame k centred at
    k*hop + win/2 (10 ms, 12.5 ms); segments: [(start_s, end_s)] after post-processing."""
    file: str | None
    sample_rate_hz: int               # of the input (before resampling to the model's rate)
    duration_s: float
    frame_shift_s: float
    segments: intervals.Segments
    probs: np.ndarray = field(repr=False)
    warnings: list[str] = field(default_factory=list)

    def to_json(self, with_probs: bool = False) -> dict:
        """The documented JSON shape (README): file, sample_rate, duration, frame_shift, segments[, probs]."""
        d = {"file": self.file, "sample_rate": self.sample_rate_hz, "duration": round(self.duration_s, 4),
             "frame_shift": self.frame_shift_s,
             "segments": [{"start": round(s, 3), "end": round(e, 3)} for s, e in self.segments]}
        if with_probs:
            d["probs"] = [round(float(p), 4) for p in self.probs]
        return d


def load_decode_config(decode: DecodeConfig | str | Path | None, model_path: str | Path | None = None) -> DecodeConfig:
    """None: the model's own decode.yaml (a shipped model's, tuned on dev), else the recipe's
    conf/decode.yaml (chosen on dev) when present, else DecodeConfig defaults."""
    if isinstance(decode, DecodeConfig):
        return decode
    if decode is None:
        own = None if model_path is None else Path(model_path).parent / "decode.yaml"
        for f in (own, RECIPE_DECODE_CONF):
            if f is not None and f.is_file():
                return config.load(f, DecodeConfig)
        return DecodeConfig()
    return config.load(decode, DecodeConfig)


def tuned_decode_config(metrics_json: str | Path, base: DecodeConfig) -> DecodeConfig:
    """base with the threshold and post-processing that scoring tuned on a dev set: the `tuned` block
    of a decode's scoring/metrics.json (steps/score.py --tune-on; stage 5)."""
    tuned = io.read_json(metrics_json).get("tuned")
    if not isinstance(tuned, dict) or "threshold" not in tuned:
        raise InputError(f"{metrics_json}: no tuned threshold in it; score the decode with --tune-on DEV_DATA "
                         "DEV_DECODE (stage 5 does) and pass its scoring/metrics.json")
    # the threshold holds for the probabilities it was tuned on: those of the decode's own head and bridge
    made = decoding.decode_config_of(Path(metrics_json).parent.parent)
    bridge = {} if made is None else {k: getattr(made, k) for k in BRIDGE_KEYS + ("head",)}
    return dataclasses.replace(base, threshold=float(tuned["threshold"]), onset=None, offset=None,
                               **{**tuned.get("postprocess", {}), **bridge})


class _Spill:
    """Append-only store of float32 rows in a temporary file (in TMPDIR), read back in order, block by
    block.  A full disk there is a DiskFull naming the folder and the audio file it was for."""

    def __init__(self, dim: int, name: str):
        self.dim, self.n, self.name = dim, 0, name
        with self._disk_full():
            self.f = tempfile.TemporaryFile()

    def _disk_full(self):
        return io.reporting_disk_full(tempfile.gettempdir(), what=f"the temporary features of {self.name} in "
                                      f"{tempfile.gettempdir()}", fix="free space there or set TMPDIR to a "
                                      "folder with room")

    def append(self, rows: np.ndarray) -> None:
        try:   # f.write, not ndarray.tofile: tofile loses the errno of a failed write
            with self._disk_full():
                self.f.write(memoryview(np.ascontiguousarray(rows, np.float32)).cast("B"))
        except BaseException:
            self.f.close()
            raise
        self.n += len(rows)

    def blocks(self, rows: int) -> Iterator[np.ndarray]:
        try:
            with self._disk_full():
                self.f.seek(0)   # flushes the last rows written
            for a in range(0, self.n, rows):
                yield np.fromfile(self.f, np.float32, min(rows, self.n - a) * self.dim).reshape(-1, self.dim)
        finally:
            self.f.close()


MAX_CHANNELS = 16   # a 2-D array with one side this short is (samples, channels) or (channels, samples)


def as_mono(audio, name: str = "audio") -> np.ndarray:
    """(n,) float32 in [-1, 1] from (n,), (n, channels) or (channels, n) samples (channels averaged).

    Integer PCM is scaled by its type (int16 by 32768, uint8 around 128, ...); a 2-D shape whose
    channel axis cannot be told (both sides, or neither, at most MAX_CHANNELS long) is an InputError,
    as are empty, non-numeric and non-finite arrays."""
    x = np.asarray(audio)
    if x.dtype.kind in "iu":
        info = np.iinfo(x.dtype)
        mid = (int(info.max) + int(info.min) + 1) / 2           # 0 for signed, 128 for uint8
        x = (x.astype(np.float64) - mid) / (int(info.max) + 1 - mid)
    elif x.dtype.kind != "f":
        raise InputError(f"{name}: samples of type {x.dtype} are not audio; pass float or integer PCM samples")
    if x.ndim == 2:
        short = [d <= MAX_CHANNELS for d in x.shape]
        if short[0] == short[1]:
            raise InputError(f"{name}: shape {x.shape} does not say which axis holds the channels; pass "
                             f"(samples,) or (samples, channels) with at most {MAX_CHANNELS} channels")
        x = x.mean(axis=1 if short[1] else 0)
    if x.ndim != 1:
        raise InputError(f"{name}: audio must be (samples,) or (samples, channels), got shape {x.shape}")
    if len(x) == 0:
        raise InputError(f"{name}: empty signal (0 samples)")
    if not np.all(np.isfinite(x)):
        raise InputError(f"{name}: NaN or infinite samples; fix the signal before the VAD")
    return x.astype(np.float32)


def _check_rate(sample_rate_hz) -> int:
    try:
        ok = not isinstance(sample_rate_hz, (bool, np.bool_)) and float(sample_rate_hz).is_integer() \
            and int(sample_rate_hz) > 0
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        raise InputError(f"sample_rate_hz must be a positive whole number of samples per second, got "
                         f"{sample_rate_hz!r}")
    return int(sample_rate_hz)


class Vad:
    """A trained model plus post-processing.  model: exp/<model>/, a final.pt, a shipped model's name,
    or None: the shipped offline model (vadkit.tool.pretrained); decode: a DecodeConfig or YAML path
    (None: the model's own decode.yaml, else conf/decode.yaml); chunk_s=None: one exact pass."""

    def __init__(self, model: str | Path | TrainedModel | None = None, decode: DecodeConfig | str | Path | None = None,
                 device: str | None = None, chunk_s: float | None = 20.0, context_s: float = 3.0,
                 batch_size: int = 16, block_s: float = 60.0):
        self.model = model if isinstance(model, TrainedModel) else TrainedModel(pretrained.resolve(model), device)
        self.decode = load_decode_config(decode, self.model.path)
        self.model.use_head(self.decode.head)
        self.dims = self.model.model_config.input_dims
        self.fc = features_read(self.model.feature_config, self.dims)
        self.grid = self.model.grid
        self.model.require_streamable("vadkit.Vad", allow_lookahead=True)
        # a crnn looks ahead (its convs) like a BLSTM: chunks get right context and whole-sequence passes
        self.bidirectional = not self.model.streams
        fps = round(1 / self.grid.hop_s)
        sub = self.model.model_config.subsample if self.model.model_config.arch == "crnn" else 1
        self.chunk = None if chunk_s is None else max(1, round(chunk_s * fps / sub)) * sub
        self.context = round(context_s * fps / sub) * sub   # multiples of the subsampling: same frame phase
        # frames of right context a chunk needs: a label delay reads that far ahead
        self.lookahead = self.context if self.bidirectional else self.model.model_config.label_delay
        self.batch_size, self.block_s = batch_size, block_s
        self.block_frames = max(1, round(block_s * fps))

    @property
    def sample_rate_hz(self) -> int:
        """The model's rate: other rates are resampled to it."""
        return self.fc.sample_rate_hz

    # ------------------------------------------------------------ public API
    def probs(self, audio: np.ndarray, sample_rate_hz: int) -> np.ndarray:
        """Samples (see `as_mono`) -> (n_frames,) float32 speech probabilities on the model's grid."""
        return self._probs(self._at_model_rate(as_mono(audio), _check_rate(sample_rate_hz)))

    def run(self, audio: np.ndarray, sample_rate_hz: int, name: str | None = None) -> VadResult:
        """Probabilities and segments of an in-memory signal: `audio` is (n,) mono, or (n, channels) /
        (channels, n) with at most MAX_CHANNELS channels (averaged); float in [-1, 1] or integer PCM
        (int16, int32, uint8, ... scaled by its type, as scipy.io.wavfile.read returns it)."""
        x = as_mono(audio, name or "audio")
        rate = _check_rate(sample_rate_hz)
        probs = self._probs(self._at_model_rate(x, rate, name))
        return self._result(name, rate, len(x) / rate, probs, not np.any(x))

    def segments(self, audio: np.ndarray, sample_rate_hz: int) -> intervals.Segments:
        """Speech regions [(start_s, end_s)] of an in-memory signal."""
        return self.run(audio, sample_rate_hz).segments

    def run_file(self, path: str | Path, channel: int | None = None) -> VadResult:
        """Probabilities and segments of an audio file of any length, in bounded memory."""
        blocks = io.AudioBlocks(path, self.sample_rate_hz, channel, self.block_s)
        if blocks.file_rate_hz != self.sample_rate_hz:
            log.debug("%s: %d Hz resampled to the model's %d Hz", path, blocks.file_rate_hz, self.sample_rate_hz)
        spill, peak, tail = _Spill(analysis_dim(self.fc), str(path)), 0.0, np.zeros(0, np.float32)
        max_db = -np.inf
        win, hop = self.grid.samples(self.sample_rate_hz)
        for x in blocks:  # pass 1: log-mel frames to disk, the recording's loudest bin
            peak = max(peak, float(np.abs(x).max()))
            tail = np.concatenate([tail, x])
            n = self.grid.n_frames(len(tail), self.sample_rate_hz)
            if n:
                lm = log_mel(tail[:(n - 1) * hop + win], self.sample_rate_hz, self.fc)
                max_db = max(max_db, loudest_db(lm, self.fc))
                spill.append(lm)
                tail = tail[n * hop:]
        if spill.n == 0:
            raise InputError(f"{path}: audio is shorter than one {self.fc.win_ms:g} ms frame; drop it from the list")
        probs = self._probs_of_log_mel(spill.blocks(self.block_frames), max_db - TOP_DB)
        return self._result(str(path), blocks.file_rate_hz, blocks.duration_s, probs, peak == 0.0)

    def segments_of_file(self, path: str | Path, channel: int | None = None) -> intervals.Segments:
        return self.run_file(path, channel).segments

    # ------------------------------------------------------------ internals
    def _at_model_rate(self, x: np.ndarray, rate: int, name: str | None = None) -> np.ndarray:
        """Mono samples at the model's rate; InputError when too short for one frame."""
        if rate != self.sample_rate_hz:
            x = io.resample(x, rate, self.sample_rate_hz)
        if self.grid.n_frames(len(x), self.sample_rate_hz) == 0:
            raise InputError(f"{name or 'audio'}: shorter than one {self.fc.win_ms:g} ms frame "
                             f"({len(x)} samples at {self.sample_rate_hz} Hz)")
        return x

    def _probs(self, x: np.ndarray) -> np.ndarray:
        lm = log_mel(x, self.sample_rate_hz, self.fc)
        if len(lm) == 0:
            return np.zeros(0, np.float32)
        floor = loudest_db(lm, self.fc) - TOP_DB
        blocks = (lm[a:a + self.block_frames] for a in range(0, len(lm), self.block_frames))
        return self._probs_of_log_mel(blocks, floor)

    def _result(self, name, rate, duration_s, probs, silent) -> VadResult:
        warnings = []
        if silent:  # digital silence: normalised features of zeros are meaningless to the network
            warnings.append(f"{name or 'audio'}: all samples are zero; no speech reported")
            segs: intervals.Segments = []
        else:
            segs = probs_to_segments(probs, self.decode, self.grid, duration_s)
        return VadResult(name, int(rate), float(duration_s), self.grid.hop_s, segs, probs, warnings)

    def _feature_blocks(self, lm_blocks: Iterable[np.ndarray], floor_db: float) -> Iterator[np.ndarray]:
        """Normalised model inputs (k, input_dims) per block of log-mel rows."""
        fs = FeatureStream(self.sample_rate_hz, self.fc, floor_db=floor_db, static_only=self.dims <= static_dim(self.fc))
        for lm in lm_blocks:
            f = fs.push_log_mel(lm)
            if len(f):
                yield self.model.norm.apply(f[:, :self.dims])
        f = fs.flush()
        if len(f):
            yield self.model.norm.apply(f[:, :self.dims])

    def _probs_of_log_mel(self, lm_blocks: Iterable[np.ndarray], floor_db: float) -> np.ndarray:
        feats = self._feature_blocks(lm_blocks, floor_db)
        if self.chunk is None:
            logits = self._one_pass(feats)
        else:
            logits = np.concatenate(list(chunked_logits(self.model.net, feats, self.chunk, self.context,
                                                        self.lookahead, self.batch_size, self.model.device))
                                    or [np.zeros(0, np.float32)])
        return bridge_recording(sigmoid(logits), self.decode, self.grid.hop_s, self.model.streams)

    @torch.no_grad()
    def _one_pass(self, feats: Iterator[np.ndarray]) -> np.ndarray:
        net, dev = self.model.net, self.model.device
        if self.bidirectional:  # needs the whole sequence: input_dims floats per frame held
            x = np.concatenate(list(feats))
            return net(torch.from_numpy(x)[None].to(dev))[0].float().cpu().numpy()
        out, state = [], None
        for x in feats:
            lg, state = net.forward_state(torch.from_numpy(x)[None].to(dev), state)
            out.append(lg[0].float().cpu().numpy())
        if state is not None:   # a label delay holds the last frames back until the end
            out.append(net.forward_state(torch.zeros(1, 0, self.dims, device=dev), state, final=True)[0][0].float()
                       .cpu().numpy())
        return np.concatenate(out) if out else np.zeros(0, np.float32)


@torch.no_grad()
def chunked_logits(net: torch.nn.Module, feats: Iterable[np.ndarray], chunk: int, context: int,
                   lookahead: int, batch_size: int, device) -> Iterator[np.ndarray]:
    """Logits of a feature stream computed in chunks of `chunk` frames, each run with `context` frames
    before it and `lookahead` after it (networks that look ahead: bidirectional, crnn, a label delay)
    and batch_size chunks per network call.

    feats: blocks (k, D) of one recording, in order; yields logits (k',) in order, covering every frame.
    """
    buf = np.zeros((0, 0), np.float32)
    buf0 = done = 0  # absolute frame index of buf[0]; first frame without a logit
    it = iter(feats)
    final = False
    while not final:
        blk = next(it, None)
        final = blk is None
        if not final:
            buf = blk if buf.size == 0 else np.concatenate([buf, blk])
            if len(buf) + buf0 - done < batch_size * chunk + lookahead:
                continue
        end = buf0 + len(buf)
        starts = list(range(done, end if final else end - chunk - lookahead + 1, chunk))
        for i in range(0, len(starts), batch_size):
            group = starts[i:i + batch_size]
            spans = [(max(0, s - context), min(end, s + chunk + lookahead)) for s in group]
            out: dict[int, np.ndarray] = {}
            # causal: pad shorter spans at the end (outputs before the padding stay exact);
            # looking ahead: one call per span length, as padding would reach back into the outputs
            lengths = sorted({b - a for a, b in spans}) if lookahead else [max(b - a for a, b in spans)]
            for n in lengths:
                idx = [j for j, (a, b) in enumerate(spans) if b - a == n or not lookahead]
                x = np.zeros((len(idx), n, buf.shape[1]), np.float32)
                for i, j in enumerate(idx):
                    a, b = spans[j]
                    x[i, :b - a] = buf[a - buf0:b - buf0]
                lg = net(torch.from_numpy(x).to(device)).float().cpu().numpy()
                out.update(zip(idx, lg))
            for j, s in enumerate(group):
                a = spans[j][0]
                yield out[j][s - a:s - a + min(chunk, end - s)]
            done = min(end, group[-1] + chunk)
        cut = max(0, done - context - buf0)
        buf, buf0 = buf[cut:], buf0 + cut
