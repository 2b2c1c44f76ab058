"""Training: random fixed-length segments, Adam + BCE-with-logits, a checkpoint per epoch,
resume from the last one; the epoch best on dev (or the last), optionally averaged with the epochs
before it (train.average_epochs), kept as final.pt.

exp/<model>/: config.yaml, checkpoints/epoch-N.pt, final.pt (written last), history.json,
curves.png.  final.pt holds what later use needs: weights, model/feature/train configs, and the
normalisation stats.  Each epoch reseeds numpy and torch from (seed, epoch), so a resumed run
draws the same batches as an uninterrupted one.  A train set mixed K times (its data dir has a reco2version:
the mix corpus's train_versions) is read one version per epoch, version (epoch - 1) mod K, so the epochs hear
new mixtures of the same files; steps per epoch and the normalisation stats come from the whole set's version 0
and cmvn.json.  `model.input_kind` (mfcc or pcen) feeds the network one front-end's columns of a kind mfcc_pcen
cache (extract.kind_view); final.pt then holds that front-end's feature config and statistics, as if the model
had been trained on a cache of its kind alone.

Under torchrun (vadkit.distributed) every process draws the same global batch and trains on its share;
the loss is normalised by the frames of the whole batch, so N processes take the steps one process
would (up to float rounding and dropout masks).  Rank 0 alone writes files.  `train.amp` turns on
mixed precision on CUDA: bf16 where the GPU supports it, else fp16 with loss scaling.
"""
from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import shutil
import time
from pathlib import Path

import numpy as np
import torch
import yaml
from tqdm import tqdm

from vadkit import config, io
from vadkit.data import datadir
from vadkit.eval import plots
from vadkit.features import cache
from vadkit.train import distributed
from vadkit.decode import decoding
from vadkit.train.augment import LevelAugment, distilled_set, spec_augment, target_set
from vadkit.config import ExperimentConfig, FeatureConfig, ModelConfig, TrainConfig
from vadkit.errors import InputError
from vadkit.features.extract import feature_dim, kind_view
from vadkit.features.norm import NormStats, normalise
from vadkit.models.checkpoint import load_checkpoint, save_checkpoint
from vadkit.models.networks import build_model, count_parameters, predict_logits

log = logging.getLogger(__name__)


class SegmentSampler:
    """Batches of random `segment_frames`-long windows; recordings drawn in proportion to length.

    Recordings shorter than a segment are used whole; padding is masked out of the loss.  `weights`, one per
    recording, is the loss weight its frames carry in the mask (default 1).
    """

    def __init__(self, feats: list[np.ndarray], labels: list[np.ndarray], segment_frames: int, batch_size: int,
                 weights: list[float] | None = None):
        self.feats, self.labels = feats, labels
        self.weights = weights or [1.0] * len(feats)
        self.seg, self.batch_size = segment_frames, batch_size
        lengths = np.array([len(f) for f in feats], dtype=np.float64)
        self.p = lengths / lengths.sum()

    def batch(self, rng: np.random.Generator, rank: int = 0, world_size: int = 1
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """x (b, L, D) float32, y (b, L) float32 ((b, L, heads) for labels (n, heads)), mask (b, L) float32 (0
        on padding, else the recording's weight): part `rank` of `world_size`
        contiguous parts of the batch.  Every rank draws the whole batch from rng, so all agree on it."""
        dim = self.feats[0].shape[1]
        mine = np.array_split(np.arange(self.batch_size), world_size)[rank]
        x = np.zeros((len(mine), self.seg, dim), np.float32)
        y = np.zeros((len(mine), self.seg) + self.labels[0].shape[1:], np.float32)
        mask = np.zeros((len(mine), self.seg), np.float32)
        for b, i in enumerate(rng.choice(len(self.feats), size=self.batch_size, p=self.p)):
            n = len(self.feats[i])
            start = int(rng.integers(0, n - self.seg + 1)) if n > self.seg else 0
            if mine[0] <= b <= mine[-1]:
                k, r = min(self.seg, n), b - mine[0]
                x[r, :k], y[r, :k] = self.feats[i][start:start + k], self.labels[i][start:start + k]
                mask[r, :k] = self.weights[i]
        return x, y, mask


def load_set(data_dir: str | Path, stats: NormStats, input_dims: int, cmvn: str = "global",
             cmvn_window: int = 300, rec_ids: list[str] | None = None, columns: list[int] | None = None
             ) -> tuple[list, list, FeatureConfig, list]:
    """Normalised features (first input_dims dims; of these cache columns, stats being theirs, when given) and
    labels of a set (or of its rec_ids), in rec_id order, its feature config (as cached) and the rec ids in that
    order."""
    feats, labels, info = cache.load(data_dir, rec_ids=rec_ids)
    ids = sorted(feats)
    x = [normalise(feats[k] if columns is None else feats[k][:, columns], stats, cmvn, cmvn_window)[:, :input_dims]
         for k in ids]
    return x, [labels[k].astype(np.float32) for k in ids], config.from_dict(FeatureConfig, info["features"]), ids


def evaluate(model, feats: list, labels: list, device, ctx: distributed.Context | None = None) -> dict:
    """Dev loss (mean BCE per frame, summed over the heads) and accuracy at 0.5 (of the phrase head), each
    recording in one pass; under torchrun each process scores every world_size-th recording and the sums
    are added up.  labels: (n,) per recording, or (n, heads) for a model with a turn head."""
    rank, world = (ctx.rank, ctx.world_size) if ctx else (0, 1)
    heads = labels[0].ndim == 2 if labels else False
    logits = predict_logits(model, feats[rank::world], device, all_heads=heads)
    loss_sum, correct, frames = 0.0, 0.0, 0.0
    for z, y in zip(logits, labels[rank::world]):
        loss_sum += float(torch.nn.functional.binary_cross_entropy_with_logits(
            torch.from_numpy(z).double(), torch.from_numpy(y).double(), reduction="sum"))
        z, y = (z[:, 0], y[:, 0]) if heads else (z, y)
        correct += float(np.sum((z >= 0) == (y >= 0.5)))
        frames += len(y)
    if ctx:
        loss_sum, correct, frames = distributed.all_sum(ctx, [loss_sum, correct, frames])
    return {"loss": loss_sum / frames, "accuracy": correct / frames}


def _prepare_exp_dir(exp_dir: Path, merged: dict, overwrite: bool, ctx: distributed.Context) -> None:
    """Rank 0 clears (overwrite) and writes config.yaml; every rank checks it, so all fail alike."""
    if overwrite and ctx.is_main:
        for name in ("checkpoints", "final.pt", "history.json", "curves.png", "config.yaml"):
            p = exp_dir / name
            shutil.rmtree(p) if p.is_dir() else p.unlink(missing_ok=True)
    distributed.barrier(ctx)
    cfg_file = exp_dir / "config.yaml"
    if cfg_file.is_file() and _same_training(_with_defaults(yaml.safe_load(cfg_file.read_text(encoding="utf-8")))) \
            != _same_training(merged):
        raise InputError(f"{cfg_file}: {exp_dir} was trained with another config or data; "
                         "re-run with --overwrite true to start it over, or use another conf/<model>.yaml")
    distributed.barrier(ctx)
    if ctx.is_main:
        io.write_text(cfg_file, yaml.safe_dump(merged, sort_keys=False))


def _same_training(merged: dict | None) -> dict | None:
    """A config.yaml as compared: model.input_kind left out where the recorded features are of that kind (the
    network read the same columns whether the cache held that front-end alone or beside the other), so a model
    trained before input_kind existed, or on a cache of its kind alone, counts as trained."""
    try:
        if merged["model"].get("input_kind") == merged["features"]["kind"]:
            return {**merged, "model": {**merged["model"], "input_kind": ""}}
    except (KeyError, TypeError, AttributeError):
        pass
    return merged


def _with_defaults(saved) -> dict | None:
    """A saved config.yaml with the keys added since it was written at their defaults (same training)."""
    try:
        return {**saved, **{k: config.to_dict(config.from_dict(cls, saved[k]))
                            for k, cls in (("model", ModelConfig), ("train", TrainConfig), ("features", FeatureConfig))}}
    except (InputError, KeyError, TypeError):
        return saved


def _last_checkpoint(exp_dir: Path) -> Path | None:
    ckpts = sorted((exp_dir / "checkpoints").glob("epoch-*.pt"), key=lambda p: int(p.stem.split("-")[1]))
    return ckpts[-1] if ckpts else None


RESUME_FIX = "free space on its disk, then run again: training resumes from its last checkpoint"
# curves.png is redrawn after an epoch at most this often, and at the end (a drawing costs ~1 s of CPU)
CURVES_EVERY_S = 60.0


def run(cfg: ExperimentConfig, train_dir: str, dev_dir: str, exp_dir: str, overwrite: bool = False,
        teacher_dir: str | None = None) -> None:
    """Train cfg's model on train_dir's feature cache, select on dev_dir's, into exp_dir (one process, or
    every process of a torchrun group).  teacher_dir: the decode dir of train_dir by cfg.train.teacher
    (default_teacher_dir), read when the config names a teacher."""
    ctx = distributed.setup()
    try:
        # one training per exp dir at a time (rank 0 holds the lock for a torchrun group)
        with io.dir_lock(exp_dir, "training") if ctx.is_main else contextlib.nullcontext():
            _run(cfg, train_dir, dev_dir, Path(exp_dir), overwrite, ctx, teacher_dir)
    finally:
        distributed.cleanup(ctx)


def _amp_dtype(cfg: TrainConfig, device: torch.device):
    if not cfg.amp:
        return None
    if device.type != "cuda":
        log.info("train.amp: mixed precision is for CUDA; training in float32 on %s", device)
        return None
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


@dataclasses.dataclass
class _Sets:
    """The normalised train and dev sets, their normalisation and feature config."""
    stats: NormStats
    train_x: list
    train_y: list
    dev_x: list
    dev_y: list
    features: FeatureConfig                   # what the model reads (model.input_kind's view of the cache)
    train_speech: list = dataclasses.field(default_factory=list)   # per train recording: has it any speech label
    versions: list[list[str]] | None = None   # rec ids of each mixing of a train set mixed K times (reco2version)
    version: int = 0                          # the one in train_x/train_y
    teacher: dict | None = None               # {rec_id: teacher probabilities} of the whole train set (train.teacher)
    columns: list[int] | None = None          # the cache columns the model reads (None: all)


def train_versions(train_dir: str | Path) -> list[list[str]] | None:
    """The rec ids of each version of a train set with a reco2version (data/datadir.py), None without one."""
    if not (Path(train_dir) / datadir.RECO2VERSION).is_file():
        return None
    versions = datadir.read_versions(train_dir, datadir.load_data_dir(train_dir).rec_ids)
    return [sorted(k for k, v in versions.items() if v == i) for i in range(max(versions.values()) + 1)]


def default_teacher_dir(exp_dir: str | Path, train_dir: str | Path, teacher: str) -> Path:
    """Where a training finds its teacher's probabilities unless told: the public VAD's decode of the train set
    beside the exp dir, as run.sh stage 3 writes it (exp/baseline_silero/decode_train)."""
    return Path(exp_dir).parent / f"baseline_{teacher}" / f"decode_{Path(train_dir).name}"


def load_teacher(teacher_dir: str | Path, train_dir: str | Path, teacher: str) -> dict[str, np.ndarray]:
    """The teacher's frame probabilities of every train recording; an InputError names what is missing."""
    fix = (f"decode the train set with it first: local/decode_baseline.py {teacher} {train_dir} {teacher_dir} "
           "(run.sh stage 3 does)")
    stamp = io.read_stamp(Path(teacher_dir) / "decode.yaml") if (Path(teacher_dir) / "hyp.rttm").is_file() else None
    if not stamp:
        raise InputError(f"{teacher_dir}: no finished decode of {train_dir} by teacher {teacher}; {fix}")
    same_data = Path(stamp.get("data", "")).resolve() == Path(train_dir).resolve()
    if stamp.get("model") != f"baseline_{teacher}" or not same_data:
        raise InputError(f"{teacher_dir}: decoded by {stamp.get('model')} from {stamp.get('data')}, not by "
                         f"baseline_{teacher} from {train_dir}; {fix}")
    cache.read_info(train_dir)   # the train set has a feature cache (else its own clear error)
    if stamp.get("data_cache") != (Path(train_dir) / cache.MARKER).read_text(encoding="utf-8"):
        raise InputError(f"{teacher_dir}: decoded before {train_dir}'s features were last cached; {fix} "
                         "with --overwrite true")
    return decoding.read_probs(teacher_dir)


def input_view(cfg: ExperimentConfig, train_dir: str | Path) -> tuple[FeatureConfig, FeatureConfig, list[int] | None]:
    """(the cache's feature config, the one the model reads, the cache columns it reads) of a training: the
    model's input_kind (extract.kind_view), checked against its input_dims."""
    cached = config.from_dict(FeatureConfig, cache.read_info(train_dir)["features"])
    try:
        view, columns = kind_view(cached, cfg.model.input_kind)
    except InputError as e:
        raise InputError(f"{train_dir}: {e}") from None
    dims = cfg.model.input_dims
    if not 1 <= dims <= feature_dim(view):
        raise InputError(f"model input_dims {dims} exceeds the {feature_dim(view)} feature dims of {train_dir}"
                         f"{f' ({view.kind} columns)' if columns else ''}")
    if view.kind == "mfcc_pcen" and dims < feature_dim(view):   # the first dims would mix the two front-ends
        raise InputError(f"model input_dims {dims} of the {feature_dim(view)} kind mfcc_pcen dims of {train_dir} "
                         "mixes MFCC and PCEN columns; set model.input_kind: mfcc or pcen (that front-end's "
                         f"columns), or input_dims: {feature_dim(view)}")
    return cached, view, columns


def _load_sets(cfg: ExperimentConfig, train_dir: str, dev_dir: str, teacher_dir: Path | None = None) -> _Sets:
    cached, view, columns = input_view(cfg, train_dir)
    stats = NormStats.from_dict(io.read_json(Path(train_dir) / "cmvn.json"))
    if columns is not None:
        stats = NormStats(stats.mean[columns], stats.std[columns], stats.n_frames)
    if not cfg.train.normalize:
        stats = NormStats(np.zeros_like(stats.mean), np.ones_like(stats.std), stats.n_frames)
    dims, norm = cfg.model.input_dims, (cfg.train.cmvn, cfg.train.cmvn_window_frames)
    versions = train_versions(train_dir)
    teacher = load_teacher(teacher_dir, train_dir, cfg.train.teacher) if cfg.train.teacher else None
    tr_x, tr_y, tr_speech = _load_train(cfg, train_dir, stats, versions[0] if versions else None, teacher, columns)
    dv_x, dv_y, dev_feat_cfg, _ = load_set(dev_dir, stats, dims, *norm, columns=columns)
    if dev_feat_cfg != cached:
        raise InputError(f"{dev_dir} and {train_dir} were cached with different feature configs; re-run stage 2")
    return _Sets(stats, tr_x, tr_y, dv_x, target_set(dv_y, cfg.train, view, cfg.model.turn_head), view,
                 tr_speech, versions, teacher=teacher, columns=columns)


def _load_train(cfg: ExperimentConfig, train_dir: str, stats: NormStats, rec_ids: list[str] | None,
                teacher: dict | None = None, columns: list[int] | None = None):
    """(normalised features, targets (augment.target_set, then distilled_set with a teacher), whether each
    recording has speech) of the train set, or of these rec ids (the cache columns the model reads)."""
    x, y, feat_cfg, ids = load_set(train_dir, stats, cfg.model.input_dims, cfg.train.cmvn,
                                   cfg.train.cmvn_window_frames, rec_ids, columns)
    targets = target_set(y, cfg.train, feat_cfg, cfg.model.turn_head)
    if teacher is not None:
        bad = [k for k, lab in zip(ids, y) if k not in teacher or len(teacher[k]) != len(lab)]
        if bad:
            raise InputError(f"the teacher's probabilities ({cfg.train.teacher}) miss or do not match the frames of "
                             f"{len(bad)} train recordings (e.g. {bad[0]}); decode the train set with it again "
                             "(local/decode_baseline.py --overwrite true)")
        targets = distilled_set(targets, [teacher[k] for k in ids], cfg.train.teacher_weight)
    return x, targets, [bool(np.any(lab > 0)) for lab in y]


def _use_version(sets: _Sets, cfg: ExperimentConfig, train_dir: str, epoch: int) -> bool:
    """Load the train version epoch reads ((epoch - 1) mod K) into sets, unless it is there: whether it changed."""
    if not sets.versions or (epoch - 1) % len(sets.versions) == sets.version:
        return False
    sets.version = (epoch - 1) % len(sets.versions)
    sets.train_x, sets.train_y, sets.train_speech = _load_train(cfg, train_dir, sets.stats,
                                                                sets.versions[sets.version], sets.teacher, sets.columns)
    return True


def _sampler(sets: _Sets, cfg: TrainConfig) -> SegmentSampler:
    """The train set's sampler; recordings without any speech (noise alone) weigh cfg.noise_only_weight."""
    weights = [1.0 if speech else cfg.noise_only_weight for speech in sets.train_speech]
    return SegmentSampler(sets.train_x, sets.train_y, cfg.segment_frames, cfg.batch_size, weights)


def _resume(exp_dir: Path, model, opt, scaler, device) -> tuple[list, dict | None, int]:
    """(history, best, first epoch to run) from the last epoch checkpoint, if any."""
    ckpt_path = _last_checkpoint(exp_dir)
    if ckpt_path is None:
        return [], None, 1
    ckpt = load_checkpoint(ckpt_path, "epoch", map_location=device)
    model.load_state_dict(ckpt["model"])
    opt.load_state_dict(ckpt["optimizer"])
    if ckpt.get("scaler") and scaler.is_enabled():
        scaler.load_state_dict(ckpt["scaler"])
    log.info("resuming from %s", ckpt_path)
    return ckpt["history"], ckpt["best"], ckpt["epoch"] + 1


def _run(cfg: ExperimentConfig, train_dir: str, dev_dir: str, exp_dir: Path, overwrite: bool,
         ctx: distributed.Context, teacher_dir: str | None = None) -> None:
    if cfg.train.teacher:
        teacher_dir = Path(teacher_dir or default_teacher_dir(exp_dir, train_dir, cfg.train.teacher))
    sets = _load_sets(cfg, train_dir, dev_dir, teacher_dir)
    data = {"train": str(train_dir), "dev": str(dev_dir),
            **({"teacher": str(teacher_dir)} if cfg.train.teacher else {})}
    merged = {"model": config.to_dict(cfg.model), "train": config.to_dict(cfg.train),
              "features": config.to_dict(sets.features), "data": data}   # what the network reads
    _prepare_exp_dir(exp_dir, merged, overwrite, ctx)
    if (exp_dir / "final.pt").is_file():
        log.info("%s/final.pt exists and matches the config: already trained", exp_dir)
        return
    if cfg.train.batch_size < ctx.world_size:
        raise InputError(f"batch_size {cfg.train.batch_size} is smaller than the {ctx.world_size} processes: "
                         "each process needs a share of every batch; raise train.batch_size or use fewer processes")
    device = ctx.device
    torch.manual_seed(cfg.train.seed)
    net = build_model(cfg.model).to(device)  # what is saved and evaluated; `model` below is what trains
    opt = torch.optim.Adam(net.parameters(), lr=cfg.train.lr)
    amp_dtype = _amp_dtype(cfg.train, device)
    scaler = torch.amp.GradScaler("cuda", enabled=amp_dtype == torch.float16)
    history, best, start_epoch = _resume(exp_dir, net, opt, scaler, device)
    log.info("model %s: %d parameters on %s%s; %d train recordings (%.1f min)%s, %d dev", cfg.model.arch,
             count_parameters(net), device, f", {amp_dtype} autocast" if amp_dtype else "", len(sets.train_x),
             sum(map(len, sets.train_x)) / 6000,
             f" in each of {len(sets.versions)} versions, one per epoch" if sets.versions else "", len(sets.dev_x))
    model = net  # DDP-wrapped under torchrun
    if ctx.enabled:
        model = torch.nn.parallel.DistributedDataParallel(net, device_ids=[device.index] if device.type == "cuda"
                                                          else None)
    sampler = _sampler(sets, cfg.train)
    steps = cfg.train.steps_per_epoch or math.ceil(sum(map(len, sets.train_x)) / (cfg.train.segment_frames *
                                                                                  cfg.train.batch_size))
    level = LevelAugment(cfg.train, sets.features, sets.stats, cfg.model.input_dims)
    curves_drawn = -math.inf
    for epoch in range(start_epoch, cfg.train.epochs + 1):
        t0 = time.time()
        if _use_version(sets, cfg, train_dir, epoch):
            sampler = _sampler(sets, cfg.train)
            log.info("epoch %d: train version %d (%d recordings)", epoch, sets.version, len(sets.train_x))
        train = _train_epoch(model, opt, scaler, sampler, steps, cfg, epoch, ctx, amp_dtype, level)
        dev = evaluate(net, sets.dev_x, sets.dev_y, device, ctx)
        history.append({"epoch": epoch, "train_loss": train["loss"], "train_accuracy": train["accuracy"],
                        "dev_loss": dev["loss"], "dev_accuracy": dev["accuracy"], "seconds": time.time() - t0})
        log.info("epoch %d/%d: train loss %.4f acc %.4f | dev loss %.4f acc %.4f | %.0f s", epoch,
                 cfg.train.epochs, train["loss"], train["accuracy"], dev["loss"], dev["accuracy"],
                 history[-1]["seconds"])
        key = {"dev_loss": -dev["loss"], "dev_accuracy": dev["accuracy"], "last": epoch}[cfg.train.select_on]
        if best is None or key > best["key"]:
            best = {"key": key, "epoch": epoch, "dev": dev}
        if ctx.is_main:
            _checkpoint(exp_dir, epoch, {"model": net.state_dict(), "optimizer": opt.state_dict(), "epoch": epoch,
                                         "history": history, "best": best,
                                         "scaler": scaler.state_dict() if scaler.is_enabled() else None})
            if epoch < cfg.train.epochs and time.monotonic() - curves_drawn >= CURVES_EVERY_S:
                plots.training_curves(history, exp_dir / "curves.png", title=exp_dir.name)
                curves_drawn = time.monotonic()
        distributed.barrier(ctx)  # the checkpoint is complete before any rank moves on
    if ctx.is_main:   # the whole history, also when a resumed run found every epoch done
        plots.training_curves(history, exp_dir / "curves.png", title=exp_dir.name)
        _write_final(cfg, exp_dir, net, sets, best, device)


def _checkpoint(exp_dir: Path, epoch: int, state: dict) -> None:
    """The resume point of an epoch, then history.json."""
    save_checkpoint(state, exp_dir / "checkpoints" / f"epoch-{epoch}.pt", RESUME_FIX)
    io.write_json(exp_dir / "history.json", state["history"])


def _write_final(cfg: ExperimentConfig, exp_dir: Path, net, sets: _Sets, best: dict, device) -> None:
    """final.pt: the picked epoch's weights (or their mean with the epochs before it) and what later use
    needs; a mean is a new model, so it is scored on dev again."""
    first = max(1, best["epoch"] - cfg.train.average_epochs + 1)   # the picked epoch's own checkpoint when 1
    state = average_checkpoints([exp_dir / "checkpoints" / f"epoch-{e}.pt" for e in range(first, best["epoch"] + 1)])
    dev = best["dev"]
    if first < best["epoch"]:
        net.load_state_dict(state)
        dev = evaluate(net, sets.dev_x, sets.dev_y, device)
    save_checkpoint({"model_state": state, "model_config": config.to_dict(cfg.model),
           "feature_config": config.to_dict(sets.features), "norm_stats": sets.stats.to_dict(),
           "train_config": config.to_dict(cfg.train), "epoch": best["epoch"], "epochs_averaged": [first, best["epoch"]],
           "dev": dev}, exp_dir / "final.pt", RESUME_FIX)
    log.info("final.pt: epoch %d%s (dev loss %.4f, accuracy %.4f)", best["epoch"],
             f", weights averaged over epochs {first}-{best['epoch']}" if first < best["epoch"] else "",
             dev["loss"], dev["accuracy"])


def average_checkpoints(paths: list[Path]) -> dict:
    """The element-wise mean of the model weights saved in these epoch checkpoints (icefall's --avg):
    with a decaying learning rate the late epochs lie close together, and their mean is smoother than
    any one of them."""
    states = [load_checkpoint(p, "epoch")["model"] for p in paths]
    return {k: (sum(s[k].double() for s in states) / len(states)).to(v.dtype) if v.is_floating_point() else v
            for k, v in states[0].items()}


def learning_rate(cfg: TrainConfig, step: int, total_steps: int) -> float:
    """Learning rate at a global step (0-based): a function of the step alone, so resuming needs no state."""
    if cfg.lr_schedule == "constant":
        return cfg.lr
    return cfg.lr_min + 0.5 * (cfg.lr - cfg.lr_min) * (1 + math.cos(math.pi * min(step, total_steps) / total_steps))


def train_steps(model, opt, sampler: SegmentSampler, steps: int, cfg: ExperimentConfig, epoch: int = 1,
                device: str = "cpu") -> dict:
    """`steps` optimiser steps in one process without autocast (what local/benchmark.py times)."""
    scaler = torch.amp.GradScaler("cuda", enabled=False)
    ctx = distributed.Context(device=torch.device(device))
    return _train_epoch(model, opt, scaler, sampler, steps, cfg, epoch, ctx, None)


def _train_epoch(model, opt, scaler, sampler: SegmentSampler, steps: int, cfg: ExperimentConfig, epoch: int,
                 ctx: distributed.Context, amp_dtype, level: LevelAugment | None = None) -> dict:
    rng = np.random.default_rng([cfg.train.seed, epoch])
    aug_rng = np.random.default_rng([cfg.train.seed, epoch, 1])   # its own stream: batches stay the same
    level_rng = np.random.default_rng([cfg.train.seed, epoch, 2])  # and masks stay the same
    torch.manual_seed(cfg.train.seed * 100_003 + epoch)
    model.train()
    heads = cfg.model.turn_head
    loss_sum, weight, correct, frames = 0.0, 0.0, 0.0, 0.0
    for i in tqdm(range(steps), desc=f"epoch {epoch}", mininterval=10, disable=not ctx.is_main):
        for group in opt.param_groups:
            group["lr"] = learning_rate(cfg.train, (epoch - 1) * steps + i, cfg.train.epochs * steps)
        x, y, mask = sampler.batch(rng, ctx.rank, ctx.world_size)
        if level is not None and level.enabled:
            x = level(level_rng, x)
        if cfg.train.specaug:
            x = spec_augment(aug_rng, x, cfg.train)
        x, y, mask = (torch.from_numpy(a).to(ctx.device) for a in (x, y, mask))
        with torch.autocast(ctx.device.type, dtype=amp_dtype, enabled=amp_dtype is not None):
            logits = model(x, all_heads=heads)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits.float(), y, reduction="none")
            loss = (loss.sum(-1) if heads else loss) * mask   # a frame's loss: the sum over the heads
            loss = loss.sum()
            if heads:   # accuracy: of the phrase head
                logits, y = logits[..., 0], y[..., 0]
        n = mask.sum()          # weighted frames: the loss is the batch's weighted mean
        # DDP averages gradients over ranks: scaling by world_size / (frames of the whole batch) makes that
        # average the gradient of the whole batch's mean loss, as one process computes it.
        n_all = distributed.all_sum(ctx, [n.item()])[0] / ctx.world_size if ctx.enabled else n
        opt.zero_grad()
        scaler.scale(loss / n_all).backward()
        scaler.unscale_(opt)
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.train.grad_clip)
        scaler.step(opt)
        scaler.update()
        loss_sum, weight = loss_sum + loss.item(), weight + n.item()
        valid = (mask > 0).float()
        correct += (((logits.detach() >= 0).float() == (y >= 0.5).float()).float() * valid).sum().item()
        frames += valid.sum().item()
    loss_sum, weight, correct, frames = distributed.all_sum(ctx, [loss_sum, weight, correct, frames])
    return {"loss": loss_sum / weight, "accuracy": correct / frames}
