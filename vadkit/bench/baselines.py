"""Public VADs as baselines, decoded into exactly our models' layout: energy, WebRTC, Silero, TEN.

Every baseline reads the audio as its users would hand it over: the original file at its own rate
(the data dir's orig.scp, written where data prep resampled), else wav.scp's; each runs at the best
rate it takes for that audio (Silero: 8 kHz audio at 8 kHz, anything else at 16 kHz; TEN: 16 kHz;
WebRTC: 8/16/32/48 kHz as is, others at 16 kHz; energy: any rate).  It gives one speech score in [0, 1]
per frame of its own ("native") grid: native frame j consumes the samples
[j*hop, j*hop + win) and is centred at c_j = j*hop + win/2 (for the streaming VADs win = hop: the
new samples of that call).  The one rule that puts them on our 10 ms grid (`to_grid`):

    our frame k (centred at t_k = k*10 ms + 12.5 ms) takes the score of the native frame whose
    centre is nearest to t_k (the earlier one on a tie); frames beyond either end take the end frame.

No latency or look-ahead is compensated (score with a frame shift for that).  Then the same
post-processing (conf/decode.yaml) and scoring as our models.

| name | score | native grid |
|---|---|---|
| energy | logistic of frame energy (dB) above the recording's noise floor (conf/baselines.yaml) | ours: 25 ms / 10 ms |
| webrtc0-3 | WebRTC VAD decision (0/1) in aggressiveness mode 0-3 (`webrtcvad-wheels`) | 30 ms frames |
| silero | Silero VAD v5+ probability (`silero-vad`, its ONNX model, one thread) at 8 or 16 kHz | 256 (8 kHz) / 512 samples |
| ten | TEN VAD probability (`ten-vad`; 16 kHz only: other rates resampled) | 256 samples at 16 kHz |

decode.yaml records, per baseline, the audio it read (orig.scp or wav.scp) and the rates it ran at.
"""
from __future__ import annotations

import importlib.metadata
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from vadkit import config, io
from vadkit.features import cache
from vadkit.config import BaselineConfig, DecodeConfig, FeatureConfig
from vadkit.data.datadir import load_data_dir
from vadkit.decode import decoding
from vadkit.errors import InputError
from vadkit.features.grid import FrameGrid
from vadkit.models.logits import sigmoid

log = logging.getLogger(__name__)

NAMES = ("energy", "webrtc0", "webrtc1", "webrtc2", "webrtc3", "silero", "ten")
PACKAGES = {"webrtc": "webrtcvad-wheels", "silero": "silero-vad", "ten": "ten-vad"}
INSTALL_HINT = "pip install -r requirements-baselines.txt"


@dataclass
class NativeScores:
    """Scores on a baseline's own grid: scores (n,) float32 in [0, 1]; frame j centred at j*hop_s + win_s/2."""
    scores: np.ndarray
    hop_s: float
    win_s: float


def to_grid(native: NativeScores, grid: FrameGrid, n_frames: int) -> np.ndarray:
    """The one rule (module docstring): nearest native centre -> (n_frames,) float32."""
    if len(native.scores) == 0:
        return np.zeros(n_frames, dtype=np.float32)
    pos = (grid.centres(n_frames) - native.win_s / 2) / native.hop_s
    idx = np.clip(np.ceil(pos - 0.5), 0, len(native.scores) - 1).astype(np.int64)  # ties -> earlier
    return np.asarray(native.scores, dtype=np.float32)[idx]


class Baseline:
    """One public VAD: `native(x, rate_hz)` scores a mono float32 recording."""
    family = ""

    def __init__(self, name: str, cfg: BaselineConfig, grid: FrameGrid):
        self.name, self.cfg, self.grid = name, cfg, grid

    def info(self) -> dict:
        """What produced the scores (package and version, settings): kept in decode.yaml."""
        pkg = PACKAGES.get(self.family)
        return {"name": self.name, "package": pkg, "version": importlib.metadata.version(pkg) if pkg else None,
                **self.settings()}

    def settings(self) -> dict:
        return {}

    def native(self, x: np.ndarray, rate_hz: int) -> NativeScores:
        raise NotImplementedError

    def run_rate(self, rate_hz: int) -> int:
        """The rate it runs at for audio at rate_hz (the best it takes)."""
        return rate_hz

    def probs(self, x: np.ndarray, rate_hz: int) -> np.ndarray:
        """Scores on our grid for a recording: (n_frames,) float32."""
        return to_grid(self.native(x, rate_hz), self.grid, self.grid.n_frames(len(x), rate_hz))


class Energy(Baseline):
    family = "energy"

    def settings(self) -> dict:
        c = self.cfg
        return {"floor_percentile": c.energy_floor_percentile, "margin_db": c.energy_margin_db,
                "slope_db": c.energy_slope_db}

    def native(self, x, rate_hz):
        win, hop = self.grid.samples(rate_hz)
        n = self.grid.n_frames(len(x), rate_hz)
        if n == 0:
            return NativeScores(np.zeros(0, np.float32), self.grid.hop_s, self.grid.win_s)
        frames = np.lib.stride_tricks.sliding_window_view(np.asarray(x, np.float64), win)[::hop][:n]
        db = 10 * np.log10(np.mean(frames ** 2, axis=1) + 1e-10)
        floor = np.percentile(db, self.cfg.energy_floor_percentile)
        z = (db - floor - self.cfg.energy_margin_db) / self.cfg.energy_slope_db
        return NativeScores(sigmoid(z), self.grid.hop_s, self.grid.win_s)


class WebRtc(Baseline):
    family = "webrtc"
    RATES = (8000, 16000, 32000, 48000)

    def __init__(self, name, cfg, grid):
        super().__init__(name, cfg, grid)
        webrtcvad = _import("webrtcvad", "webrtc")
        self.mode = int(name.removeprefix("webrtc"))
        self.vad = webrtcvad.Vad(self.mode)

    def settings(self):
        return {"mode": self.mode, "frame_ms": self.cfg.webrtc_frame_ms}

    def run_rate(self, rate_hz):
        return rate_hz if rate_hz in self.RATES else 16000

    def native(self, x, rate_hz):
        if rate_hz not in self.RATES:
            x, rate_hz = io.resample(x, rate_hz, 16000), 16000
        step = rate_hz * self.cfg.webrtc_frame_ms // 1000
        pcm = _int16(x)
        flags = [self.vad.is_speech(pcm[i:i + step].tobytes(), rate_hz)
                 for i in range(0, len(pcm) - step + 1, step)]
        hop_s = step / rate_hz
        return NativeScores(np.asarray(flags, dtype=np.float32), hop_s, hop_s)


class Silero(Baseline):
    family = "silero"

    def __init__(self, name, cfg, grid):
        super().__init__(name, cfg, grid)
        silero_vad = _import("silero_vad", "silero")
        self.model = silero_vad.load_silero_vad(onnx=True)  # the ONNX model in the package; 1 thread

    def settings(self):
        return {"model": "silero_vad.onnx (packaged)", "runtime": "onnxruntime, 1 thread"}

    def run_rate(self, rate_hz):
        return 8000 if rate_hz == 8000 else 16000

    def native(self, x, rate_hz):
        import torch
        if rate_hz not in (8000, 16000):
            x, rate_hz = io.resample(x, rate_hz, 16000), 16000
        chunk = 256 if rate_hz == 8000 else 512  # the model's fixed chunk sizes
        if len(x) < chunk:
            return NativeScores(np.zeros(0, np.float32), chunk / rate_hz, chunk / rate_hz)
        scores = self.model.audio_forward(torch.from_numpy(np.ascontiguousarray(x, np.float32)), rate_hz)
        return NativeScores(scores.numpy()[0].astype(np.float32), chunk / rate_hz, chunk / rate_hz)


class Ten(Baseline):
    family = "ten"
    RATE_HZ = 16000  # the only rate TEN VAD takes

    def __init__(self, name, cfg, grid):
        super().__init__(name, cfg, grid)
        self.TenVad = _import("ten_vad", "ten").TenVad

    def settings(self):
        return {"hop_samples_16k": self.cfg.ten_hop_samples, "resampled_to_hz": self.RATE_HZ}

    def run_rate(self, rate_hz):
        return self.RATE_HZ

    def native(self, x, rate_hz):
        hop = self.cfg.ten_hop_samples
        pcm = _int16(io.resample(x, rate_hz, self.RATE_HZ) if rate_hz != self.RATE_HZ else x)
        vad = self.TenVad(hop)  # a fresh state per recording
        scores = [vad.process(pcm[i:i + hop])[0] for i in range(0, len(pcm) - hop + 1, hop)]
        return NativeScores(np.asarray(scores, dtype=np.float32), hop / self.RATE_HZ, hop / self.RATE_HZ)


FAMILIES = {"energy": Energy, "webrtc": WebRtc, "silero": Silero, "ten": Ten}


def family_of(name: str) -> str:
    if name not in NAMES:
        raise InputError(f"unknown baseline {name!r}; choose from {', '.join(NAMES)}")
    return name.rstrip("0123456789")


def make(name: str, cfg: BaselineConfig, grid: FrameGrid) -> Baseline:
    """A baseline by name (NAMES); a missing optional package raises InputError saying how to install it."""
    return FAMILIES[family_of(name)](name, cfg, grid)


def missing(name: str) -> str | None:
    """Why a baseline cannot run here (its package is missing or does not load), or None."""
    try:
        make(name, BaselineConfig(), FrameGrid())
    except InputError as e:
        return str(e)
    return None


def _import(module: str, family: str):
    import importlib
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise InputError(f"baseline {family}: package {PACKAGES[family]} is not installed ({e}); "
                         f"{INSTALL_HINT}") from None
    except OSError as e:  # ten-vad's shared library needs libc++ (Debian: libc++1)
        raise InputError(f"baseline {family}: its native library does not load ({e}); "
                         "install libc++1 (apt-get install libc++1)") from None


def _int16(x: np.ndarray) -> np.ndarray:
    return (np.clip(x, -1.0, 1.0) * 32767).astype(np.int16)


# ---------------------------------------------------------------- decoding a data dir
def _signature(b: Baseline, d, cfg: DecodeConfig, marker_text: str) -> dict:
    """decode.yaml: the keys scoring reads (decode, data_cache) as for our models, plus the baseline, the
    audio it read and the rates it ran at."""
    paths = [d.originals.get(k, d.wavs[k]) for k in d.rec_ids]
    rates = sorted({b.run_rate(io.audio_info(p)[0]) for p in paths})
    audio = {"read": "orig.scp" if d.originals else "wav.scp", "files": io.identity_digest(paths),
             "run_rates_hz": rates}
    return {"decode": config.to_dict(cfg), "model": f"baseline_{b.name}", "baseline": {**b.info(), **audio},
            "grid_rule": "nearest native frame centre (vadkit/bench/baselines.py)", "data": str(d.path),
            "data_cache": marker_text}


def decode(name: str, data_dir: str | Path, decode_dir: str | Path, cfg: DecodeConfig,
           baseline_cfg: BaselineConfig, overwrite: bool = False) -> bool:
    """Scores of baseline `name` for every recording of data_dir, written as our models' decode dirs:
    probs (ark/scp or probs.h5, as the set's feature cache), decode.yaml, hyp.rttm (last).
    Returns False when it was up to date."""
    data_dir, decode_dir = Path(data_dir), Path(decode_dir)
    info = cache.read_info(data_dir)
    fcfg = config.from_dict(FeatureConfig, info["features"], str(data_dir / cache.MARKER))
    b = make(name, baseline_cfg, FrameGrid.from_config(fcfg))
    d = load_data_dir(data_dir)
    sig = _signature(b, d, cfg, (data_dir / cache.MARKER).read_text())
    if not overwrite and decoding.is_decoded(decode_dir, sig):
        log.info("%s: up to date, nothing to do", decode_dir)
        return False
    probs = {}
    for rec_id in tqdm(d.rec_ids, desc=f"baseline {name}", unit="rec", mininterval=5):
        x, rate = io.read_audio(d.originals.get(rec_id, d.wavs[rec_id]))  # as its users would: its own rate
        n_frames = b.grid.n_frames(io.audio_info(d.wavs[rec_id])[1], fcfg.sample_rate_hz)  # the set's frames
        probs[rec_id] = to_grid(b.native(x, rate), b.grid, n_frames)
    decoding.finish(decode_dir, data_dir, probs, cfg, sig)
    return True
