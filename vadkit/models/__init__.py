"""Models: the networks (networks), loading a trained final.pt (checkpoint), ensembles (ensemble),
the numpy sigmoid every decoder shares (logits)."""
