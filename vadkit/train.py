"""Training: random fixed-length segments, Adam + BCE-with-logits, a checkpoint per epoch,
resume from the last one, the epoch best on dev kept as final.pt.

exp/<model>/: config.yaml, checkpoints/epoch-N.pt, final.pt (written last), history.json,
curves.png.  final.pt holds what later use needs: weights, model/feature/train configs, and the
normalisation stats.  Each epoch reseeds numpy and torch from (seed, epoch), so a resumed run
draws the same batches as an uninterrupted one.
"""
from __future__ import annotations

import logging
import math
import shutil
import time
from pathlib import Path

import numpy as np
import torch
import yaml
from tqdm import tqdm

from vadkit import config, feature_cache, io, plots
from vadkit.config import ExperimentConfig, FeatureConfig, TrainConfig
from vadkit.errors import InputError
from vadkit.features import NormStats
from vadkit.models import build_model, count_parameters, predict_logits

log = logging.getLogger(__name__)


def pick_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


class SegmentSampler:
    """Batches of random `segment_frames`-long windows; recordings drawn in proportion to length.

    Recordings shorter than a segment are used whole; padding is masked out of the loss.
    """

    def __init__(self, feats: list[np.ndarray], labels: list[np.ndarray], segment_frames: int, batch_size: int):
        self.feats, self.labels = feats, labels
        self.seg, self.batch_size = segment_frames, batch_size
        lengths = np.array([len(f) for f in feats], dtype=np.float64)
        self.p = lengths / lengths.sum()

    def batch(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """x (B, L, D) float32, y (B, L) float32, mask (B, L) float32."""
        dim = self.feats[0].shape[1]
        x = np.zeros((self.batch_size, self.seg, dim), np.float32)
        y = np.zeros((self.batch_size, self.seg), np.float32)
        mask = np.zeros((self.batch_size, self.seg), np.float32)
        for b, i in enumerate(rng.choice(len(self.feats), size=self.batch_size, p=self.p)):
            n = len(self.feats[i])
            start = int(rng.integers(0, n - self.seg + 1)) if n > self.seg else 0
            k = min(self.seg, n)
            x[b, :k], y[b, :k], mask[b, :k] = self.feats[i][start:start + k], self.labels[i][start:start + k], 1
        return x, y, mask


def load_set(data_dir: str | Path, stats: NormStats, input_dims: int) -> tuple[list, list, FeatureConfig]:
    """Normalised features (first input_dims dims) and labels of a set, in rec_id order."""
    feats, labels, info = feature_cache.load(data_dir)
    ids = sorted(feats)
    x = [stats.apply(feats[k])[:, :input_dims] for k in ids]
    return x, [labels[k].astype(np.float32) for k in ids], config.from_dict(FeatureConfig, info["features"])


def evaluate(model, feats: list, labels: list, device) -> dict:
    """Dev loss (mean BCE per frame) and accuracy at 0.5, each recording in one pass."""
    logits = np.concatenate(predict_logits(model, feats, device))
    y = np.concatenate(labels)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(torch.from_numpy(logits), torch.from_numpy(y))
    return {"loss": float(loss), "accuracy": float(np.mean((logits >= 0) == (y >= 0.5)))}


def _prepare_exp_dir(exp_dir: Path, merged: dict, overwrite: bool) -> None:
    if overwrite:
        for name in ("checkpoints", "final.pt", "best.pt", "history.json", "curves.png", "config.yaml"):
            p = exp_dir / name
            shutil.rmtree(p) if p.is_dir() else p.unlink(missing_ok=True)
    cfg_file = exp_dir / "config.yaml"
    if cfg_file.is_file() and yaml.safe_load(cfg_file.read_text()) != merged:
        raise InputError(f"{cfg_file}: {exp_dir} was trained with another config or data; "
                         "re-run with --overwrite true to start it over, or use another conf/<model>.yaml")
    io.write_text(cfg_file, yaml.safe_dump(merged, sort_keys=False))


def _last_checkpoint(exp_dir: Path) -> Path | None:
    ckpts = sorted((exp_dir / "checkpoints").glob("epoch-*.pt"), key=lambda p: int(p.stem.split("-")[1]))
    return ckpts[-1] if ckpts else None


def _save(obj, path: Path) -> None:
    with io.atomic_write(path) as tmp:
        torch.save(obj, tmp)


def run(cfg: ExperimentConfig, train_dir: str, dev_dir: str, exp_dir: str, overwrite: bool = False) -> None:
    """Train cfg's model on train_dir's feature cache, select on dev_dir's, into exp_dir."""
    exp_dir = Path(exp_dir)
    stats = NormStats.from_dict(io.read_json(Path(train_dir) / "cmvn.json"))
    if not cfg.train.normalize:
        stats = NormStats(np.zeros_like(stats.mean), np.ones_like(stats.std), stats.n_frames)
    dims = cfg.model.input_dims
    tr_x, tr_y, feat_cfg = load_set(train_dir, stats, dims)
    dv_x, dv_y, dev_feat_cfg = load_set(dev_dir, stats, dims)
    if dev_feat_cfg != feat_cfg:
        raise InputError(f"{dev_dir} and {train_dir} were cached with different feature configs; re-run stage 2")
    if not 1 <= dims <= tr_x[0].shape[1]:
        raise InputError(f"model input_dims {dims} exceeds the {tr_x[0].shape[1]} feature dims")
    merged = {"model": config.to_dict(cfg.model), "train": config.to_dict(cfg.train),
              "features": config.to_dict(feat_cfg), "data": {"train": str(train_dir), "dev": str(dev_dir)}}
    _prepare_exp_dir(exp_dir, merged, overwrite)
    if (exp_dir / "final.pt").is_file():
        log.info("%s/final.pt exists and matches the config: already trained", exp_dir)
        return
    device = pick_device()
    torch.manual_seed(cfg.train.seed)
    model = build_model(cfg.model).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.train.lr)
    history, best, start_epoch = [], None, 1
    ckpt_path = _last_checkpoint(exp_dir)
    if ckpt_path is not None:
        ckpt = torch.load(ckpt_path, map_location=device, weights_only=False)
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["optimizer"])
        history, best, start_epoch = ckpt["history"], ckpt["best"], ckpt["epoch"] + 1
        log.info("resuming from %s", ckpt_path)
    log.info("model %s: %d parameters on %s; %d train recordings (%.1f min), %d dev", cfg.model.arch,
             count_parameters(model), device, len(tr_x), sum(map(len, tr_x)) / 6000, len(dv_x))
    sampler = SegmentSampler(tr_x, tr_y, cfg.train.segment_frames, cfg.train.batch_size)
    steps = cfg.train.steps_per_epoch or math.ceil(sum(map(len, tr_x)) / (cfg.train.segment_frames *
                                                                          cfg.train.batch_size))
    for epoch in range(start_epoch, cfg.train.epochs + 1):
        t0 = time.time()
        train = _train_epoch(model, opt, sampler, steps, cfg, epoch, device)
        dev = evaluate(model, dv_x, dv_y, device)
        history.append({"epoch": epoch, "train_loss": train["loss"], "train_accuracy": train["accuracy"],
                        "dev_loss": dev["loss"], "dev_accuracy": dev["accuracy"], "seconds": time.time() - t0})
        log.info("epoch %d/%d: train loss %.4f acc %.4f | dev loss %.4f acc %.4f | %.0f s", epoch,
                 cfg.train.epochs, train["loss"], train["accuracy"], dev["loss"], dev["accuracy"],
                 history[-1]["seconds"])
        key = -dev["loss"] if cfg.train.select_on == "dev_loss" else dev["accuracy"]
        if best is None or key > best["key"]:
            best = {"key": key, "epoch": epoch, "dev": dev}
            _save(model.state_dict(), exp_dir / "best.pt")
        _save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": epoch,
               "history": history, "best": best}, exp_dir / "checkpoints" / f"epoch-{epoch}.pt")
        io.write_json(exp_dir / "history.json", history)
        plots.training_curves(history, exp_dir / "curves.png", title=exp_dir.name)
    state = torch.load(exp_dir / "best.pt", map_location="cpu", weights_only=True)
    _save({"model_state": state, "model_config": config.to_dict(cfg.model),
           "feature_config": config.to_dict(feat_cfg), "norm_stats": stats.to_dict(),
           "train_config": config.to_dict(cfg.train), "epoch": best["epoch"], "dev": best["dev"]},
          exp_dir / "final.pt")
    log.info("final.pt: epoch %d (dev loss %.4f, accuracy %.4f)", best["epoch"], best["dev"]["loss"],
             best["dev"]["accuracy"])


def learning_rate(cfg: TrainConfig, step: int, total_steps: int) -> float:
    """Learning rate at a global step (0-based): a function of the step alone, so resuming needs no state."""
    if cfg.lr_schedule == "constant":
        return cfg.lr
    return cfg.lr_min + 0.5 * (cfg.lr - cfg.lr_min) * (1 + math.cos(math.pi * min(step, total_steps) / total_steps))


def _train_epoch(model, opt, sampler: SegmentSampler, steps: int, cfg: ExperimentConfig, epoch: int,
                 device) -> dict:
    rng = np.random.default_rng([cfg.train.seed, epoch])
    torch.manual_seed(cfg.train.seed * 100_003 + epoch)
    model.train()
    loss_sum, correct, frames = 0.0, 0.0, 0.0
    for i in tqdm(range(steps), desc=f"epoch {epoch}", mininterval=10):
        for group in opt.param_groups:
            group["lr"] = learning_rate(cfg.train, (epoch - 1) * steps + i, cfg.train.epochs * steps)
        x, y, mask = (torch.from_numpy(a).to(device) for a in sampler.batch(rng))
        logits = model(x)
        loss = (torch.nn.functional.binary_cross_entropy_with_logits(logits, y, reduction="none") * mask).sum()
        n = mask.sum()
        opt.zero_grad()
        (loss / n).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.train.grad_clip)
        opt.step()
        loss_sum += loss.item()
        correct += (((logits.detach() >= 0).float() == y).float() * mask).sum().item()
        frames += n.item()
    return {"loss": loss_sum / frames, "accuracy": correct / frames}
