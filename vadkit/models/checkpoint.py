"""Loading a trained model: final.pt with its feature config, normalisation and CMVN mode."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from vadkit import config
from vadkit.config import FeatureConfig, ModelConfig, TrainConfig
from vadkit.errors import InputError
from vadkit.features.grid import FrameGrid
from vadkit.features.norm import NormStats, normalise
from vadkit.models.networks import Ensemble, build_model, predict_logits, sigmoid


class TrainedModel:
    """A model from final.pt with what it needs: feature config, normalisation, input dims."""

    def __init__(self, path: str | Path, device: str | torch.device | None = None):
        path = Path(path)
        self.path = path if path.suffix == ".pt" else path / "final.pt"
        if not self.path.is_file():
            raise InputError(f"{self.path}: no trained model here; train it first (stage 3) or fix the path")
        ck = torch.load(self.path, map_location="cpu", weights_only=False)
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
                nets[-1].load_state_dict(m["model_state"])
            self.net = Ensemble(nets)
        else:
            self.net = build_model(self.model_config)
            self.net.load_state_dict(ck["model_state"])
        self.net.to(self.device).eval()
        self.grid = FrameGrid.from_config(self.feature_config)

    def probs(self, feats: list[np.ndarray]) -> list[np.ndarray]:
        """Raw cached features [(n_i, dim)] -> speech probabilities [(n_i,) float32]."""
        d = self.model_config.input_dims
        x = [normalise(f, self.norm, self.cmvn, self.cmvn_window)[:, :d] for f in feats]
        return [sigmoid(lg) for lg in predict_logits(self.net, x, self.device)]

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
