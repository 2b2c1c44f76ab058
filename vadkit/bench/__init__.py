"""Measuring: timing helpers (timing), the speed/memory benchmark (benchmark), the public VADs
run as baselines (baselines)."""
