"""Timing helpers for speed benchmarks: real-time factor, peak memory, machine.

RTF = compute seconds / audio seconds (lower is faster).  On a shared machine wall time is
contended: prefer CPU time of this process (`process_time`, what `time_call` returns by default)
and ratios measured side by side in the same run.
"""
from __future__ import annotations

import os
import platform
import resource
import time
from typing import Callable


def time_call(fn: Callable[[], object], repeat: int = 3, warmup: int = 1, clock: str = "cpu") -> float:
    """Best of `repeat` timings of fn() in seconds, after `warmup` untimed calls.
    clock: "cpu" (process CPU time: insensitive to other processes) or "wall"."""
    now = time.process_time if clock == "cpu" else time.perf_counter
    for _ in range(warmup):
        fn()
    best = float("inf")
    for _ in range(repeat):
        t0 = now()
        fn()
        best = min(best, now() - t0)
    return best


def rtf(fn: Callable[[], object], audio_s: float, repeat: int = 3, warmup: int = 1, clock: str = "cpu") -> float:
    """Real-time factor of fn() on audio_s seconds of audio (best of repeat)."""
    return time_call(fn, repeat, warmup, clock) / audio_s


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB.  Linux: VmHWM, which starts afresh at exec
    (ru_maxrss keeps the forking parent's peak across exec); elsewhere ru_maxrss."""
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_model() -> str:
    """The CPU's model name (Linux /proc/cpuinfo), else what platform knows."""
    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or "cpu"


def machine() -> str:
    """One line describing the conditions: CPU model, cores, load average, torch threads."""
    cpu = cpu_model()
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return (f"{cpu}, {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, "
            f"python {platform.python_version()}")
