"""The VAD networks.  Every model maps features (batch, frames, dims) to speech logits (batch, frames).

`crnn` (CrnnVad) puts a small conv front-end with frame subsampling before the LSTM.
`Ensemble` averages the speech probabilities of several trained models (steps/make_ensemble.py).
`lstm` with num_layers=1 is the notebook's Model_1, with bidirectional=True its Model_1B, with
num_layers=2 its Model_2.  Stacking inside one nn.LSTM gives the second layer the first layer's
true output size (2*hidden when bidirectional), which the notebook's Model_2 got wrong.
The notebook applied a sigmoid inside the model; we return logits so the loss can use the
numerically stable BCE-with-logits, and apply the sigmoid at decode time (`vadkit.models.logits.sigmoid`).

Heads: a model with `turn_head` has a second output, turn-level speech activity (pauses inside a turn
are speech) beside the phrase-level one.  Every call returns the logits of one head, `head` (0: phrase,
set by `use_head`), so decoding, the VAD tool and streaming need no change; training asks for all heads
(`all_heads=True`: (B, T, heads)).
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from vadkit.config import HEADS, ModelConfig
from vadkit.errors import InputError

def n_heads(cfg: ModelConfig) -> int:
    return 2 if cfg.turn_head else 1


def _pick(z: torch.Tensor, head: int, all_heads: bool) -> torch.Tensor:
    """Output-layer values (..., heads) -> one head's (...) or, all_heads, all of them."""
    return z if all_heads else z[..., head]


class LstmVad(nn.Module):
    """(B)LSTM stack + linear output: (B, T, input_dims) -> logits (B, T)."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.lstm = nn.LSTM(cfg.input_dims, cfg.hidden_size, num_layers=cfg.num_layers, batch_first=True,
                            bidirectional=cfg.bidirectional, dropout=cfg.dropout if cfg.num_layers > 1 else 0.0)
        self.output = nn.Linear(cfg.hidden_size * (2 if cfg.bidirectional else 1), n_heads(cfg))
        self.head = 0

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None, all_heads: bool = False) -> torch.Tensor:
        """x: (B, T, D) float; lengths: (B,) true lengths for padded batches (None: all T)."""
        d = self.cfg.label_delay
        if d:   # run label_delay frames past each end (its last frame repeated), then drop the first outputs
            n = lengths.to(x.device) if lengths is not None else torch.full((x.shape[0],), x.shape[1], device=x.device)
            idx = torch.minimum(torch.arange(x.shape[1] + d, device=x.device)[None], n[:, None] - 1)
            x = x.gather(1, idx[..., None].expand(-1, -1, x.shape[2]))
            return _pick(self.output(self.lstm(x)[0][:, d:]), self.head, all_heads)
        if lengths is None:
            out = self.lstm(x)[0]
        else:
            # packing keeps padding out of the backward direction of a BLSTM
            packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
            out = pad_packed_sequence(self.lstm(packed)[0], batch_first=True, total_length=x.shape[1])[0]
        return _pick(self.output(out), self.head, all_heads)

    def forward_state(self, x: torch.Tensor, state: tuple | None = None,
                      final: bool = False) -> tuple[torch.Tensor, tuple]:
        """Unidirectional only: x (B, T, D) continuing from `state` (None: the start) -> (logits, new
        state).  Feeding a sequence in pieces gives the logits of one pass over the whole.  With a
        label delay the logits lag the input by label_delay frames (fewer come out at first) and
        final=True (the last piece, which may be empty) runs past the end for the rest."""
        if self.cfg.bidirectional:
            raise InputError("a bidirectional model needs the whole recording; it cannot carry state across pieces")
        d = self.cfg.label_delay
        lstm_state, seen, last = state if state is not None else (None, 0, None)
        if x.shape[1]:
            last = x[:, -1:]
        if final and d and last is not None:
            x = torch.cat([x, last.expand(-1, d, -1)], 1)
        if not x.shape[1]:
            return x.new_zeros(x.shape[0], 0), (lstm_state, seen, last)
        out, lstm_state = self.lstm(x, lstm_state)
        skip = max(0, d - seen)   # the first label_delay steps read ahead and give no output
        return self.output(out[:, skip:])[..., self.head], (lstm_state, seen + x.shape[1], last)


class CrnnVad(nn.Module):
    """Conv front-end + (B)LSTM + linear output: (B, T, input_dims) -> logits (B, T).

    Two 3x3 conv layers over (time, feature) with ReLU, `conv_channels` each; the second has stride
    (subsample, 2), so the LSTM runs at 1/subsample of the frame rate (10 ms -> 20 ms for 2) on
    conv_channels * ceil(input_dims / 2) inputs.  Its logits are repeated `subsample` times back onto
    the 10 ms grid.  The convs see one frame ahead (a look-ahead of `subsample` frames in all), so a
    crnn cannot carry state across pieces: vadkit.Vad runs it in chunks with context on both sides.
    """

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        if cfg.subsample < 1 or cfg.conv_channels < 1:
            raise InputError(f"crnn: subsample ({cfg.subsample}) and conv_channels ({cfg.conv_channels}) must be >= 1")
        self.cfg, c = cfg, cfg.conv_channels
        self.conv = nn.Sequential(nn.Conv2d(1, c, 3, padding=1), nn.ReLU(),
                                  nn.Conv2d(c, c, 3, stride=(cfg.subsample, 2), padding=1), nn.ReLU())
        self.lstm = nn.LSTM(c * ((cfg.input_dims + 1) // 2), cfg.hidden_size, num_layers=cfg.num_layers,
                            batch_first=True, bidirectional=cfg.bidirectional,
                            dropout=cfg.dropout if cfg.num_layers > 1 else 0.0)
        self.output = nn.Linear(cfg.hidden_size * (2 if cfg.bidirectional else 1), n_heads(cfg))
        self.head = 0

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None, all_heads: bool = False) -> torch.Tensor:
        """x: (B, T, D) float; lengths: (B,) true lengths for padded batches (None: all T)."""
        b, t, _ = x.shape
        s = self.cfg.subsample
        h = self.conv(x[:, None])                       # (B, C, ceil(T/s), ceil(D/2))
        h = h.permute(0, 2, 1, 3).reshape(b, h.shape[2], -1)
        if lengths is None or not self.cfg.bidirectional:
            out = self.lstm(h)[0]                       # padding after a frame cannot reach it forwards
        else:
            sub = torch.div(lengths.cpu() + s - 1, s, rounding_mode="floor")
            packed = pack_padded_sequence(h, sub, batch_first=True, enforce_sorted=False)
            out = pad_packed_sequence(self.lstm(packed)[0], batch_first=True, total_length=h.shape[1])[0]
        return _pick(self.output(out), self.head, all_heads).repeat_interleave(s, dim=1)[:, :t]

    def forward_state(self, x: torch.Tensor, state: tuple | None = None, final: bool = False):
        raise InputError("a crnn cannot carry state across pieces yet (conv look-ahead, subsampling); "
                         "decode whole recordings or use vadkit.Vad's chunks")


class Ensemble(nn.Module):
    """Several trained lstm models as one: the logit of their mean speech probability.

    Each member reads the first input_dims columns of the (widest) input, so 20-MFCC and 60-dim
    members combine, or its own `columns` (MFCC and PCEN members on kind mfcc_pcen features).
    forward_state carries one state per member (all unidirectional, one label delay).
    """

    def __init__(self, members: list[nn.Module], columns: list[list[int] | None] | None = None):
        super().__init__()
        if not members or any(not isinstance(m, LstmVad) for m in members):
            raise InputError("an ensemble combines one or more lstm models (a crnn cannot join yet)")
        self.members = nn.ModuleList(members)
        self.columns = [c is not None for c in (columns or [None] * len(members))]
        for i, c in enumerate(columns or []):
            if c is not None:   # a buffer: moves with .to(device)
                self.register_buffer(f"columns{i}", torch.tensor(c, dtype=torch.long), persistent=False)

    def member_input(self, x: torch.Tensor, i: int) -> torch.Tensor:
        """Member i's columns of the ensemble's input."""
        if self.columns[i]:
            return x.index_select(-1, getattr(self, f"columns{i}"))
        return x[..., :self.members[i].cfg.input_dims]

    def _mean_logit(self, logits: list[torch.Tensor]) -> torch.Tensor:
        p = torch.stack([torch.sigmoid(lg) for lg in logits]).mean(0)
        return torch.logit(p, eps=1e-7)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None, all_heads: bool = False) -> torch.Tensor:
        return self._mean_logit([m(self.member_input(x, i), lengths, all_heads) for i, m in enumerate(self.members)])

    def forward_state(self, x: torch.Tensor, state: tuple | None = None,
                      final: bool = False) -> tuple[torch.Tensor, tuple]:
        state = state or (None,) * len(self.members)
        out = [m.forward_state(self.member_input(x, i), s, final) for i, (m, s) in enumerate(zip(self.members, state))]
        return self._mean_logit([lg for lg, _ in out]), tuple(s for _, s in out)


ARCHS = {"lstm": LstmVad, "crnn": CrnnVad}


def build_model(cfg: ModelConfig) -> nn.Module:
    """The network named by cfg.arch."""
    if cfg.arch not in ARCHS:
        raise InputError(f"unknown model arch {cfg.arch!r}; choose one of {', '.join(ARCHS)}")
    return ARCHS[cfg.arch](cfg)


def use_head(net: nn.Module, name: str, what: str = "the model") -> None:
    """Make every call of `net` (a network or an ensemble) return head `name` (HEADS); InputError when
    `net` has no such head."""
    if name not in HEADS:
        raise InputError(f"head must be {' or '.join(HEADS)}, not {name!r}")
    k = HEADS.index(name)
    nets = [m for m in net.modules() if isinstance(m, (LstmVad, CrnnVad))]
    if any(n_heads(m.cfg) <= k for m in nets):
        raise InputError(f"{what} has no {name} head (trained without model.turn_head); decode it with "
                         "head: phrase, or train a model with turn_head: true")
    for m in nets:
        m.head = k


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@torch.no_grad()
def predict_logits(model: nn.Module, feats: list, device: torch.device | str = "cpu", all_heads: bool = False) -> list:
    """Whole-recording inference: [(n_i, D) float32 arrays] -> [(n_i,) float32 logits] ((n_i, heads): all_heads).

    One recording per pass (no chunking, no padding): a padded batch gives results that differ in
    the last bits with the batch's make-up (CPU GEMM blocking), and decoding must give identical
    numbers for any --nj split.
    """
    model.eval()
    return [model(torch.from_numpy(f[None]).to(device), all_heads=all_heads).float().cpu().numpy()[0] for f in feats]
