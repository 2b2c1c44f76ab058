"""Distributed data-parallel training under torchrun: one process per GPU (NCCL), or CPU processes (gloo).

torchrun (or Slurm through it) sets RANK, LOCAL_RANK and WORLD_SIZE; without them training is one process
and nothing here does anything.  Every rank holds the same model; only rank 0 writes files and logs INFO.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

import torch
import torch.distributed as dist

from vadkit.errors import InputError

log = logging.getLogger(__name__)


@dataclass
class Context:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1


def setup() -> Context:
    """Join the process group torchrun describes (if any) and pick this process's device."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world == 1:
        return Context(device=torch.device("cuda" if torch.cuda.is_available() else "cpu"))
    rank, local = int(os.environ["RANK"]), int(os.environ["LOCAL_RANK"])
    if torch.cuda.is_available():
        if local >= torch.cuda.device_count():
            raise InputError(f"process {local} on this node but only {torch.cuda.device_count()} GPUs visible: "
                             "ask the launcher for as many GPUs as torchrun --nproc-per-node")
        device, backend = torch.device("cuda", local), "nccl"
        torch.cuda.set_device(device)
    else:
        device, backend = torch.device("cpu"), "gloo"
    dist.init_process_group(backend)
    if rank != 0:  # one log: the others say only what goes wrong
        logging.getLogger().setLevel(logging.WARNING)
    log.info("distributed: %d processes (%s)", world, backend)
    return Context(rank, world, local, device)


def cleanup(ctx: Context) -> None:
    if ctx.enabled and dist.is_initialized():
        dist.destroy_process_group()


def barrier(ctx: Context) -> None:
    if ctx.enabled:
        dist.barrier()


def all_sum(ctx: Context, values: list[float]) -> list[float]:
    """Element-wise sum over all ranks (float64 on the rank's device: NCCL reduces GPU tensors only)."""
    if not ctx.enabled:
        return list(values)
    t = torch.tensor(values, dtype=torch.float64, device=ctx.device)
    dist.all_reduce(t)
    return t.tolist()
