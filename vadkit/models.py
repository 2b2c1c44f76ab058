"""The VAD networks.  Every model maps features (batch, frames, dims) to speech logits (batch, frames).

`lstm` with num_layers=1 is the notebook's Model_1, with bidirectional=True its Model_1B, with
num_layers=2 its Model_2.  Stacking inside one nn.LSTM gives the second layer the first layer's
true output size (2*hidden when bidirectional), which the notebook's Model_2 got wrong.
The notebook applied a sigmoid inside the model; we return logits so the loss can use the
numerically stable BCE-with-logits, and apply the sigmoid at decode time.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from vadkit.config import ModelConfig
from vadkit.errors import InputError


class LstmVad(nn.Module):
    """(B)LSTM stack + linear output: (B, T, input_dims) -> logits (B, T)."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.lstm = nn.LSTM(cfg.input_dims, cfg.hidden_size, num_layers=cfg.num_layers, batch_first=True,
                            bidirectional=cfg.bidirectional, dropout=cfg.dropout if cfg.num_layers > 1 else 0.0)
        self.output = nn.Linear(cfg.hidden_size * (2 if cfg.bidirectional else 1), 1)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """x: (B, T, D) float; lengths: (B,) true lengths for padded batches (None: all T)."""
        if lengths is None:
            out = self.lstm(x)[0]
        else:
            # packing keeps padding out of the backward direction of a BLSTM
            packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
            out = pad_packed_sequence(self.lstm(packed)[0], batch_first=True, total_length=x.shape[1])[0]
        return self.output(out).squeeze(-1)

    def forward_state(self, x: torch.Tensor, state: tuple | None = None) -> tuple[torch.Tensor, tuple]:
        """Unidirectional only: x (B, T, D) continuing from `state` (None: the start) -> (logits (B, T),
        new state).  Feeding a sequence in pieces gives the logits of one pass over the whole."""
        if self.cfg.bidirectional:
            raise InputError("a bidirectional model needs the whole recording; it cannot carry state across pieces")
        out, state = self.lstm(x, state)
        return self.output(out).squeeze(-1), state


ARCHS = {"lstm": LstmVad}


def build_model(cfg: ModelConfig) -> nn.Module:
    """The network named by cfg.arch."""
    if cfg.arch not in ARCHS:
        raise InputError(f"unknown model arch {cfg.arch!r}; choose one of {', '.join(ARCHS)}")
    return ARCHS[cfg.arch](cfg)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@torch.no_grad()
def predict_logits(model: nn.Module, feats: list, device: torch.device | str = "cpu") -> list:
    """Whole-recording inference: [(n_i, D) float32 arrays] -> [(n_i,) float32 logits].

    One recording per pass (no chunking, no padding): a padded batch gives results that differ in
    the last bits with the batch's make-up (CPU GEMM blocking), and decoding must give identical
    numbers for any --nj split.
    """
    model.eval()
    return [model(torch.from_numpy(f[None]).to(device)).float().cpu().numpy()[0] for f in feats]
