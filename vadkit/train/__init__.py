"""Training: the loop, checkpoints and resumption (training); multi-GPU data parallelism (distributed).

Importing it asks MKL for its strict reproducible mode (MKL_CBWR=AUTO,STRICT, unless MKL_CBWR is set):
MKL's float32 GEMMs otherwise split their sums by thread count, so the same config and seed trained
with 1 and with 2 threads ended ~3e-8 apart after 60 steps (and drifted further over long runs); strict mode
makes them bit-identical at the same speed (docs/training.md).  MKL reads the variable at its first
call: the import must come before any torch matrix product in the process, as in steps/train.py.
"""
import os

os.environ.setdefault("MKL_CBWR", "AUTO,STRICT")
