"""Streaming VAD for unidirectional models: feed audio in chunks (e.g. 10-100 ms), get frame
probabilities and speech start/end events as soon as they are decided.

    from vadkit import StreamingVad
    sv = StreamingVad("exp/lstm_small")
    for chunk in chunks:                       # float32 samples at sv.sample_rate_hz (or pass sample_rate_hz)
        step = sv.feed(chunk)                  # step.probs: new frames; step.events: [("start", 1.2175), ...]
    last = sv.flush()                          # end of the stream: the remaining frames and events

Probabilities equal the offline run (Vad with chunk_s=None) on the same audio: features are exact
at chunk borders (FeatureStream) and the LSTM carries its state.  One difference is possible: the
feature dB floor is 80 dB below the loudest mel bin seen *so far*, where a file uses its overall
loudest bin (vadkit.features.FeatureStream).  Events equal the offline segments of the same
probabilities: each is emitted once the post-processing can no longer change it (the delays are in
`decision_delay_s`); with max_speech_s, a region's split points are emitted when the region ends.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from scipy.ndimage import median_filter

from vadkit import io
from vadkit.config import DecodeConfig
from vadkit.decode.postprocess import bridge, bridge_sides, clean_segments, hysteresis, onset_offset, split_long
from vadkit.errors import InputError
from vadkit.features.extract import FeatureStream, features_read, static_dim
from vadkit.models.checkpoint import TrainedModel
from vadkit.models.logits import sigmoid
from vadkit.tool import pretrained
from vadkit.tool.vad import load_decode_config

log = logging.getLogger(__name__)


@dataclass
class StreamStep:
    """What one feed() decided: probs (k,) float32 for frames first_frame..first_frame+k-1, and
    events [("start" | "end", time_s)] in time order."""
    first_frame: int
    probs: np.ndarray
    events: list[tuple[str, float]] = field(default_factory=list)


class StreamingVad:
    def __init__(self, model: str | Path | TrainedModel | None = None, decode: DecodeConfig | str | Path | None = None,
                 sample_rate_hz: int | None = None, device: str | None = "cpu"):
        # model None: the shipped streaming model (vadkit.tool.pretrained.STREAMING)
        model = model if isinstance(model, TrainedModel) else pretrained.resolve(model, pretrained.STREAMING)
        self.model = model if isinstance(model, TrainedModel) else TrainedModel(model, device)
        mc = self.model.model_config
        self.fc = features_read(self.model.feature_config, mc.input_dims)
        if mc.bidirectional:
            raise InputError(f"{self.model.path}: a bidirectional model needs the whole recording (its backward "
                             "LSTM starts at the end), so it cannot stream; use a unidirectional model "
                             "(lstm, lstm2, lstm_small) or vadkit.Vad on files")
        self.cfg = load_decode_config(decode, self.model.path)
        self.model.use_head(self.cfg.head)
        self.grid = self.model.grid
        self.input_rate = sample_rate_hz or self.fc.sample_rate_hz
        self.resampler = io.BlockResampler(self.input_rate, self.fc.sample_rate_hz)
        self.model.require_streamable("StreamingVad")
        self.features = FeatureStream(self.fc.sample_rate_hz, self.fc, static_only=mc.input_dims <= static_dim(self.fc))
        if bridge_sides(self.cfg, not self.model.streams) != "past":
            raise InputError(f"bridge_sides: {self.cfg.bridge_sides} needs the whole recording (speech after a "
                             "pause); a stream can bridge on the past only: set bridge_sides: past (or auto)")
        self.state = None
        self.bridge_state = 0.0             # the probability bridge's decayed maximum (postprocess.bridge)
        self.n_in = 0
        # post-processing state (frame indices are absolute)
        self.onset, self.offset = onset_offset(self.cfg)
        self.h = self.cfg.median_frames // 2 if self.cfg.median_frames > 1 else 0
        self.active = False
        self.raw = np.zeros(0, np.int8)     # hysteresis decisions from frame raw0 on
        self.raw0 = 0
        self.probs = np.zeros(0, np.float32)  # probabilities from frame raw0 on (for max_speech_s)
        self.smoothed = 0                   # frames with a final smoothed decision
        self.runs: list[list[int]] = []     # speech runs [a, b) of smoothed decisions, not yet consumed
        self.started = False                # start event of the open region emitted

    @property
    def sample_rate_hz(self) -> int:
        return self.input_rate

    @property
    def decision_delay_s(self) -> dict:
        """Latency beyond the chunk: a frame's probability needs its 25 ms window (+ delta look-ahead,
        + the network's label delay); a start event waits for the median filter and min_speech, an end
        for the median filter and the longer of min_silence and twice the padding."""
        hop = self.grid.hop_s
        prob = self.grid.win_s + (self.features.h + self.model.model_config.label_delay) * hop
        return {"probability": prob,
                "start": prob + self.h * hop + self.cfg.min_speech_ms / 1000,
                "end": prob + self.h * hop + max(self.cfg.min_silence_ms / 1000, 2 * self.cfg.pad_ms / 1000)}

    def feed(self, samples: np.ndarray) -> StreamStep:
        """(n,) float32 samples at sample_rate_hz (any n) -> the frames and events now decided."""
        x = np.asarray(samples, np.float32)
        if x.ndim != 1 or not np.all(np.isfinite(x)):
            raise InputError("stream chunk must be a 1-D array of finite samples")
        self.n_in += len(x)
        return self._step(self.features.push(self.resampler.push(x)), final=False)

    def flush(self) -> StreamStep:
        """End of the stream: the last frames and the events that close it."""
        f = self.features.push(self.resampler.push(np.zeros(0, np.float32), final=True))
        return self._step(np.concatenate([f, self.features.flush()]), final=True)

    @torch.no_grad()
    def _step(self, feats: np.ndarray, final: bool) -> StreamStep:
        first = self.raw0 + len(self.raw)   # frames with a probability so far (a label delay holds some back)
        if len(feats) or (final and self.state is not None):
            x = torch.from_numpy(self.model.norm.apply(feats[:, :self.model.model_config.input_dims]))[None]
            lg, self.state = self.model.net.forward_state(x.to(self.model.device), self.state, final)
            probs, self.bridge_state = bridge(sigmoid(lg[0].float().cpu().numpy()), self.cfg, self.grid.hop_s,
                                              "past", self.bridge_state)
        else:
            probs = np.zeros(0, np.float32)
        return StreamStep(first, probs, self._events(probs, final))

    # ------------------------------------------------------------ online post-processing
    def _events(self, probs: np.ndarray, final: bool) -> list[tuple[str, float]]:
        raw = hysteresis(probs, self.onset, self.offset, self.active)  # causal: the state carries over
        if len(raw):
            self.active = bool(raw[-1])
        self.raw, self.probs = np.concatenate([self.raw, raw]), np.concatenate([self.probs, probs])
        n = self.raw0 + len(self.raw)
        trusted = n if final else n - self.h  # the median of the last h frames still waits for look-ahead
        if trusted > self.smoothed:
            lo = max(self.raw0, self.smoothed - self.h)
            y = self.raw[lo - self.raw0:]
            if self.h and len(y):
                y = median_filter(y, size=self.cfg.median_frames, mode="nearest")
            self._add_runs(y[self.smoothed - lo:trusted - lo], self.smoothed)
            self.smoothed = trusted
        return self._decide(final)

    def _add_runs(self, y: np.ndarray, first: int) -> None:
        d = np.diff(np.concatenate([[0], y.astype(np.int8), [0]]))
        for a, b in zip(np.flatnonzero(d == 1) + first, np.flatnonzero(d == -1) + first):
            if self.runs and self.runs[-1][1] == a:  # continues the open run
                self.runs[-1][1] = int(b)
            else:
                self.runs.append([int(a), int(b)])

    def _decide(self, final: bool) -> list[tuple[str, float]]:
        cfg, hop = self.cfg, self.grid.hop_s
        duration = self.n_in / self.input_rate if final else None
        off = self.grid.win_s / 2 - hop / 2  # FrameGrid.segments' times, same rounding
        segs = [(round(max(0.0, a * hop + off), 4), round(b * hop + off, 4)) for a, b in self.runs]
        regions = clean_segments(segs, cfg, duration)
        # a future run starts at frame `smoothed` or later: that start's time decides bridging and merging
        next_start = round(max(0.0, self.smoothed * hop + off), 4)
        pad = cfg.pad_ms / 1000
        events: list[tuple[str, float]] = []
        consumed_to = None
        for s, e in regions:
            raw_end = e - pad
            # the next region could start at a pending run (one dropped as too short may still grow)
            nxt = min([t for t, _ in segs if t > raw_end] + [next_start])
            closed = final or (nxt - raw_end >= cfg.min_silence_ms / 1000 and max(0.0, nxt - pad) > e)
            if not closed:
                if not self.started:
                    events.append(("start", s))
                    self.started = True
                break
            pieces = split_long([(s, e)], self.probs, self.grid, cfg.max_speech_s, first_frame=self.raw0)
            for i, (ps, pe) in enumerate(pieces):
                if not (i == 0 and self.started):
                    events.append(("start", ps))
                events.append(("end", pe))
            self.started = False
            consumed_to = e
        # forget runs that can no longer join a region: inside closed regions, or dropped for good
        keep = []
        for a, b in self.runs:
            end_t = round(b * hop + off, 4)
            gone = (final or (consumed_to is not None and end_t <= consumed_to)
                    or (b < self.smoothed
                        and min([t for t, _ in segs if t > end_t] + [next_start]) - end_t >= cfg.min_silence_ms / 1000
                        and not any(s <= end_t <= e for s, e in regions)))
            if not gone:
                keep.append([a, b])
        self.runs = keep
        self._trim()
        return events

    def _trim(self) -> None:
        """Drop decisions and probabilities no longer needed (before the oldest pending run and the
        median window), so a long stream needs bounded memory."""
        pad_frames = int(np.ceil(self.cfg.pad_ms / 1000 / self.grid.hop_s)) + 1  # split_long looks into the padding
        keep_from = min(self.runs[0][0] if self.runs else self.smoothed, self.smoothed) - max(self.h, pad_frames)
        if keep_from > self.raw0:
            self.raw, self.probs = self.raw[keep_from - self.raw0:], self.probs[keep_from - self.raw0:]
            self.raw0 = keep_from
