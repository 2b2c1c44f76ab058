"""Saving and loading a trained model: final.pt with its feature config, normalisation and CMVN mode.

Every .pt file the recipe reads goes through `load_checkpoint`, with `weights_only=True`: a model
file someone shared can hold tensors, numbers, strings and containers, never code to run.  It says
what a file is when it is not what the caller wants: a final model, a training checkpoint
(checkpoints/epoch-N.pt), or not a file of this recipe at all.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from vadkit import config, io
from vadkit.config import HEADS, FeatureConfig, ModelConfig, TrainConfig
from vadkit.errors import InputError
from vadkit.features.grid import FrameGrid
from vadkit.features.norm import NormStats, normalise
from vadkit.models.logits import sigmoid
from vadkit.models.networks import Ensemble, build_model, n_heads, predict_logits, use_head


FINAL_KEYS = ("model_config", "feature_config", "norm_stats")   # exp/<model>/final.pt, + model_state or members
EPOCH_KEYS = ("model", "optimizer", "epoch", "history")         # checkpoints/epoch-N.pt


def _is(ck, keys: tuple[str, ...], kind: str) -> bool:
    weights = kind != "final" or "model_state" in ck or "members" in ck   # one model, or an ensemble's
    return isinstance(ck, dict) and weights and all(k in ck for k in keys)


def save_checkpoint(obj: dict, path: str | Path, fix: str = io.files.DISK_FULL_FIX) -> None:
    """torch.save `obj` to `path` atomically; a full disk is one line naming `path` and `fix`.  Through an
    open file, so the zip's folder is "archive", not the temporary file's name (which holds the writer's
    pid): the same weights give the same bytes."""
    with io.atomic_open(path, fix) as f:
        torch.save(obj, f)


def load_checkpoint(path: str | Path, kind: str = "final", map_location="cpu") -> dict:
    """The dict saved in `path`, checked to be a `kind` ("final" model or training "epoch") file."""
    path = Path(path)
    try:
        ck = torch.load(path, map_location=map_location, weights_only=True)
    except FileNotFoundError:
        raise InputError(f"{path}: file not found; train the model first (stage 3) or fix the path") from None
    except Exception as e:  # a truncated zip, random bytes, pickled code: torch raises many kinds
        raise InputError(f"{path}: not a model file of this recipe, or damaged ({type(e).__name__}: "
                         f"{str(e).splitlines()[0][:120] if str(e) else 'unreadable'}); train it again or fetch "
                         "the file again") from None
    want, other = (FINAL_KEYS, EPOCH_KEYS) if kind == "final" else (EPOCH_KEYS, FINAL_KEYS)
    if _is(ck, want, kind):
        return ck
    if _is(ck, other, "epoch" if kind == "final" else "final"):
        what = "a training checkpoint (checkpoints/epoch-N.pt)" if kind == "final" else "a final model"
        fix = "pass exp/<model>/ or its final.pt" if kind == "final" else "pass a file of checkpoints/"
        raise InputError(f"{path}: {what}, not {'a final model' if kind == 'final' else 'a training checkpoint'}; "
                         f"{fix}")
    missing = [k for k in (("model_state",) if kind == "final" else ()) + want if not isinstance(ck, dict) or k not in ck]
    raise InputError(f"{path}: not a {'trained model (final.pt)' if kind == 'final' else 'training checkpoint'} of "
                     f"this recipe (missing {', '.join(missing)})")


def _load_weights(net: torch.nn.Module, state: dict, path: Path) -> None:
    try:
        net.load_state_dict(state)
    except (RuntimeError, KeyError, TypeError) as e:
        raise InputError(f"{path}: its weights do not fit its model config ({str(e).splitlines()[0][:160]}); "
                         "the file is damaged or was edited: train the model again") from None


class TrainedModel:
    """A model from final.pt with what it needs: feature config, normalisation, input dims."""

    def __init__(self, path: str | Path, device: str | torch.device | None = None):
        path = Path(path)
        self.path = path if path.suffix == ".pt" else path / "final.pt"
        if not self.path.is_file():
            raise InputError(f"{self.path}: no trained model here; train it first (stage 3) or fix the path")
        ck = load_checkpoint(self.path)
        self.model_config = config.from_dict(ModelConfig, ck["model_config"], str(self.path))
        self.feature_config = config.from_dict(FeatureConfig, ck["feature_config"], str(self.path))
        self.norm = NormStats.from_dict(ck["norm_stats"])
        tc = config.from_dict(TrainConfig, ck.get("train_config") or {}, str(self.path))
        self.cmvn, self.cmvn_window = tc.cmvn, tc.cmvn_window_frames   # global unless trained otherwise
        self.device = torch.device(device) if device else torch.device("cuda" if torch.cuda.is_available() else "cpu")
        self.members = [m["source"] for m in ck.get("members", [])]   # an ensemble's member final.pt files
        if self.members:
            nets = []
            for i, m in enumerate(ck["members"]):
                nets.append(build_model(config.from_dict(ModelConfig, m["model_config"], f"{self.path} member {i}")))
                _load_weights(nets[-1], m["model_state"], self.path)
            self.net = Ensemble(nets, [m.get("input_columns") for m in ck["members"]])
        else:
            self.net = build_model(self.model_config)
            _load_weights(self.net, ck["model_state"], self.path)
        self.net.to(self.device).eval()
        self.grid = FrameGrid.from_config(self.feature_config)
        self.head = HEADS[0]

    @property
    def heads(self) -> tuple[str, ...]:
        """The outputs this model has (config.HEADS): phrase, and turn when trained with turn_head."""
        return HEADS[:n_heads(self.model_config)]

    def use_head(self, name: str) -> None:
        """Decode head `name` from now on (phrase or turn); InputError naming this file when it has none."""
        use_head(self.net, name, str(self.path))
        self.head = name

    def probs(self, feats: list[np.ndarray]) -> list[np.ndarray]:
        """Raw cached features [(n_i, dim)] -> speech probabilities [(n_i,) float32]."""
        d = self.model_config.input_dims
        x = [normalise(f, self.norm, self.cmvn, self.cmvn_window)[:, :d] for f in feats]
        return [sigmoid(lg) for lg in predict_logits(self.net, x, self.device)]

    @property
    def streams(self) -> bool:
        """Whether the network runs causally, frame after frame (a unidirectional LSTM)."""
        return not self.model_config.bidirectional and self.model_config.arch != "crnn"

    def require_streamable(self, what: str, allow_lookahead: bool = False) -> None:
        """InputError when `what` (Vad, StreamingVad, export) cannot run this model yet: per-file or
        sliding CMVN (only steps/decode.py applies them), or a crnn where state must be carried."""
        if self.cmvn != "global":
            raise InputError(f"{self.path}: trained with cmvn: {self.cmvn}; {what} supports the global CMVN "
                             "only so far; decode it with steps/decode.sh (or train with cmvn: global)")
        if self.model_config.arch == "crnn" and not allow_lookahead:
            raise InputError(f"{self.path}: a crnn (conv front-end with look-ahead and frame subsampling) "
                             f"cannot carry state across pieces, so {what} does not support it yet; use "
                             "vadkit.Vad (chunked) or steps/decode.sh")
