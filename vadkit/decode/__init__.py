"""Decoding: frame speech probabilities of a data dir (decoding) and probabilities -> segments
(postprocess, pure numpy)."""
