import numpy as np
import pytest

from vadkit.eval import bootstrap, metrics


def _files(rng, n=6):
    refs = [rng.integers(0, 2, rng.integers(50, 200)) for _ in range(n)]
    return refs, [np.clip(r * 0.4 + rng.random(len(r)) * 0.7, 0, 1).astype(np.float32) for r in refs]


def test_weights_draw_n_recordings_and_are_seeded():
    w = bootstrap.resample_weights(5, 200, seed=3)
    assert w.shape == (200, 5) and (w.sum(axis=1) == 5).all()
    assert np.array_equal(w, bootstrap.resample_weights(5, 200, seed=3))
    assert not np.array_equal(w, bootstrap.resample_weights(5, 200, seed=4))


def test_histogram_auc_is_exact_with_distinct_levels():
    rng = np.random.default_rng(0)
    refs, scores = _files(rng)
    levels = bootstrap.score_levels(np.concatenate(scores))
    pos, neg = bootstrap.score_histograms(refs, scores, levels)
    exact = metrics.roc_auc(np.concatenate(refs), np.concatenate(scores))
    assert bootstrap.auc_from_histograms(pos.sum(0), neg.sum(0)) == pytest.approx(exact)
    # quantile levels: within 1/max_levels of the exact value
    few = bootstrap.score_levels(np.concatenate(scores), max_levels=50)
    assert len(few) <= 50
    p, n = bootstrap.score_histograms(refs, scores, few)
    assert abs(bootstrap.auc_from_histograms(p.sum(0), n.sum(0)) - exact) < 1 / 50


def test_resampled_metrics_equal_pooled_metrics_for_one_copy_of_each_file():
    rng = np.random.default_rng(1)
    refs, scores = _files(rng)
    hyps = [(s >= 0.5).astype(int) for s in scores]
    counts = np.array([list(metrics.confusion(r, h).values()) for r, h in zip(refs, hyps)])
    levels = bootstrap.score_levels(np.concatenate(scores))
    pos, neg = bootstrap.score_histograms(refs, scores, levels)
    pooled = metrics.frame_metrics(np.concatenate(refs), np.concatenate(hyps), np.concatenate(scores))
    one_each = np.ones((1, len(refs)), dtype=np.int64)
    got = bootstrap.resampled_metrics(np.vstack([one_each, 2 * one_each]), counts, pos, neg)
    for k in ("f1", "roc_auc", "dcf"):
        assert got[k] == pytest.approx([pooled[k]] * 2), k  # doubling every file changes no ratio


def test_interval_is_reproducible_and_covers_the_estimate():
    rng = np.random.default_rng(2)
    refs, scores = _files(rng, n=12)
    hyps = [(s >= 0.5).astype(int) for s in scores]
    counts = np.array([list(metrics.confusion(r, h).values()) for r, h in zip(refs, hyps)])
    pos, neg = bootstrap.score_histograms(refs, scores, bootstrap.score_levels(np.concatenate(scores)))

    def ci(seed):
        w = bootstrap.resample_weights(len(refs), 1000, seed)
        return {k: bootstrap.interval(v) for k, v in bootstrap.resampled_metrics(w, counts, pos, neg).items()}

    a = ci(0)
    assert a == ci(0) and a != ci(1)
    f1 = metrics.frame_metrics(np.concatenate(refs), np.concatenate(hyps))["f1"]
    assert a["f1"][0] < f1 < a["f1"][1]
    assert bootstrap.interval(np.array([np.nan, np.nan])) is None
    assert bootstrap.interval(np.arange(101.0)) == pytest.approx([2.5, 97.5])
