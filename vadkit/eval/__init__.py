"""Evaluation: metrics and bootstrap intervals (pure functions of arrays), scoring a decode dir,
report tables over exp dirs, and every figure (plots: the only module that imports matplotlib)."""
