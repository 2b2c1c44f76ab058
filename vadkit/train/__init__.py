"""Training: the loop, checkpoints and resumption (training); multi-GPU data parallelism (distributed)."""
