"""Features: the frame grid (grid), extraction (extract), normalisation (norm), stage 2's cache (cache)."""
