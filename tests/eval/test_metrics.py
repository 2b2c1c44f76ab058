import numpy as np
import pytest

from vadkit.eval import metrics


def test_frame_metrics_by_hand():
    ref = np.array([1, 1, 1, 0, 0, 0, 1, 0])
    hyp = np.array([1, 0, 1, 1, 0, 0, 1, 0])
    # tp=3 fn=1 fp=1 tn=3
    m = metrics.frame_metrics(ref, hyp)
    assert m["confusion"] == {"tn": 3, "fp": 1, "fn": 1, "tp": 3}
    assert m["accuracy"] == pytest.approx(6 / 8)
    assert m["precision"] == pytest.approx(3 / 4)
    assert m["recall"] == pytest.approx(3 / 4)
    assert m["f1"] == pytest.approx(0.75)
    assert m["miss_rate"] == pytest.approx(1 / 4)
    assert m["false_alarm_rate"] == pytest.approx(1 / 4)
    assert m["n_frames"] == 8 and m["speech_ratio"] == pytest.approx(0.5)
    assert m["roc_auc"] is None


def test_roc_auc_by_hand_with_ties():
    ref = np.array([0, 0, 1, 1])
    assert metrics.roc_auc(ref, np.array([0.1, 0.4, 0.35, 0.8])) == pytest.approx(0.75)
    assert metrics.roc_auc(ref, np.array([0.5, 0.5, 0.5, 0.5])) == pytest.approx(0.5)
    assert metrics.roc_auc(ref, np.array([0.1, 0.2, 0.3, 0.4])) == pytest.approx(1.0)
    assert metrics.roc_auc(np.array([1, 1]), np.array([0.1, 0.2])) is None


def test_average_ranks_match_scipy_with_ties():
    from scipy.stats import rankdata
    rng = np.random.default_rng(0)
    for x in (rng.integers(0, 5, 200).astype(float), rng.random(50), np.array([0.3]), np.array([2.0, 2.0, 1.0])):
        np.testing.assert_array_equal(metrics.average_ranks(x), rankdata(x))


def test_all_speech_reference():
    ref = np.ones(5)
    m = metrics.frame_metrics(ref, np.array([1, 1, 0, 1, 1]), np.array([0.9, 0.8, 0.2, 0.7, 0.6]))
    assert m["recall"] == pytest.approx(0.8) and m["precision"] == 1.0
    assert m["false_alarm_rate"] is None and m["roc_auc"] is None
    assert m["f1"] == pytest.approx(2 * 4 / (2 * 4 + 1))


def test_no_speech_anywhere():
    m = metrics.frame_metrics(np.zeros(4), np.zeros(4))
    assert m["accuracy"] == 1.0 and m["false_alarm_rate"] == 0.0
    assert m["precision"] is None and m["recall"] is None and m["f1"] is None and m["miss_rate"] is None


def test_all_speech_baseline():
    b = metrics.all_speech_baseline(np.array([1, 0, 0, 1, 1]))
    assert b["accuracy"] == pytest.approx(0.6)
    assert b["f1"] == pytest.approx(2 * 0.6 / 1.6)


def test_shape_mismatch_is_a_bug():
    with pytest.raises(ValueError):
        metrics.confusion(np.zeros(3), np.zeros(4))


def test_dcf_by_hand():
    # tp=3 fn=1 fp=1 tn=3: P_miss = 1/4, P_fa = 1/4
    m = metrics.frame_metrics(np.array([1, 1, 1, 0, 0, 0, 1, 0]), np.array([1, 0, 1, 1, 0, 0, 1, 0]))
    assert m["dcf"] == pytest.approx(0.75 * 0.25 + 0.25 * 0.25)
    assert metrics.dcf_from_counts(tp=0, fp=2, fn=4, tn=2) == pytest.approx(0.75 * 1 + 0.25 * 0.5)
    assert metrics.dcf_from_counts(tp=0, fp=2, fn=0, tn=2) is None  # no speech: P_miss undefined
    assert metrics.all_speech_baseline(np.array([1, 0, 0, 1]))["dcf"] == pytest.approx(0.25)


def test_score_metrics_by_hand():
    # thresholds 0.8, 0.4, 0.35, 0.1 -> (tp, fp) = (1, 0), (1, 1), (2, 1), (2, 2)
    m = metrics.score_metrics(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    assert m["roc_auc"] == pytest.approx(0.75)
    assert m["average_precision"] == pytest.approx(0.5 * 1 + 0.5 * 2 / 3)  # recall gains x precision
    assert m["eer"] == pytest.approx(0.5)  # at 0.4: miss 1/2, false alarm 1/2
    assert m["min_dcf"] == pytest.approx(0.25 * 0.5)  # at 0.35: no miss, false alarm 1/2
    assert m["precision_at_recall_90"] == pytest.approx(2 / 3) and m["threshold_at_recall_90"] == 0.35
    assert m["precision_at_recall_95"] == pytest.approx(2 / 3)


def test_eer_interpolates_between_operating_points():
    # (fpr, fnr) from the top threshold down: (0, 1), t=0.6 (1/2, 1), t=0.5 (1/2, 0), t=0.2 (1, 0)
    assert metrics.score_metrics(np.array([1, 0, 0]), np.array([0.5, 0.6, 0.2]))["eer"] == pytest.approx(0.5)
    # (0, 1), (0, 1/2), (1/4, 1/2), (1/4, 0), ...: the rates meet at 1/4
    ref, s = np.array([1, 1, 0, 0, 0, 0]), np.array([0.9, 0.3, 0.8, 0.2, 0.1, 0.05])
    assert metrics.score_metrics(ref, s)["eer"] == pytest.approx(0.25)
    # a tie of 1 speech and 3 non-speech frames: (0, 1/2) -> (3/4, 0); the line meets fpr = fnr at 3/10
    ref, s = np.array([1, 1, 0, 0, 0, 0]), np.array([0.9, 0.5, 0.5, 0.5, 0.5, 0.1])
    assert metrics.score_metrics(ref, s)["eer"] == pytest.approx(0.3)


def test_perfect_and_one_class_scores():
    m = metrics.score_metrics(np.array([0, 1, 1]), np.array([0.1, 0.7, 0.9]))
    assert m["roc_auc"] == 1.0 and m["average_precision"] == 1.0 and m["eer"] == 0.0 and m["min_dcf"] == 0.0
    assert m["precision_at_recall_95"] == 1.0 and m["threshold_at_recall_95"] == 0.7
    m = metrics.score_metrics(np.ones(3), np.array([0.1, 0.7, 0.9]))
    assert all(v is None for v in m.values())


def test_average_precision_against_scikit_learn():
    skm = pytest.importorskip("sklearn.metrics", reason="scikit-learn (a librosa dependency) not installed")
    rng = np.random.default_rng(0)
    ref = rng.integers(0, 2, 2000)
    scores = np.round(rng.random(2000) * 0.6 + ref * 0.3, 2)  # many ties
    m = metrics.score_metrics(ref, scores)
    assert m["average_precision"] == pytest.approx(skm.average_precision_score(ref, scores))
    assert m["roc_auc"] == pytest.approx(skm.roc_auc_score(ref, scores))


def test_delay():
    x = np.array([1, 2, 3, 4])
    assert metrics.delay(x, 1).tolist() == [0, 1, 2, 3]
    assert metrics.delay(x, -2).tolist() == [3, 4, 0, 0]
    assert metrics.delay(x, 0).tolist() == [1, 2, 3, 4] and metrics.delay(x, 9).tolist() == [0, 0, 0, 0]


def test_detection_errors_by_hand():
    ref, hyp = [(1.0, 3.0), (5.0, 6.0)], [(1.2, 3.5), (7.0, 8.0)]
    e = metrics.detection_errors(ref, hyp, 10.0, collar_s=0.0)
    assert e == pytest.approx({"missed_s": 0.2 + 1.0, "false_alarm_s": 0.5 + 1.0, "total_s": 3.0})
    # +-0.25 s around 1, 3, 5, 6 not scored: the 0.2 s miss at 1.0-1.2 and 0.25 s of the 3.0-3.5 false alarm go
    e = metrics.detection_errors(ref, hyp, 10.0, collar_s=0.25)
    assert e == pytest.approx({"missed_s": 0.5, "false_alarm_s": 0.25 + 1.0, "total_s": 3.0 - 4 * 0.25})
    r = metrics.detection_error_rate([e, metrics.detection_errors([(0, 1)], [], 2.0, 0.0)])
    assert r["der"] == pytest.approx((0.5 + 1.25 + 1.0) / (2.0 + 1.0))
    assert metrics.detection_error_rate([metrics.detection_errors([], [(0, 1)], 2.0)])["der"] is None


def _random_regions(rng, dur):
    t, out = rng.uniform(0, 1), []
    while t < dur - 0.2:
        e = min(dur, t + rng.uniform(0.05, 2.0))
        out.append((round(t, 3), round(e, 3)))
        t = e + rng.uniform(0.05, 1.5)
    return out


@pytest.mark.parametrize("collar_s", [0.0, 0.25])
def test_detection_error_rate_matches_pyannote(collar_s):
    pytest.importorskip("pyannote.metrics", reason="pyannote.metrics (requirements-test.txt) not installed")
    from pyannote.core import Annotation, Segment, Timeline
    from pyannote.metrics.detection import DetectionErrorRate

    rng = np.random.default_rng(7)
    theirs = DetectionErrorRate(collar=2 * collar_s)  # pyannote: total collar width, centred on the boundary
    ours = []
    for _ in range(6):
        dur = rng.uniform(10, 40)
        ref, hyp = _random_regions(rng, dur), _random_regions(rng, dur)
        ours.append(metrics.detection_errors(ref, hyp, dur, collar_s))
        a, b = Annotation(), Annotation()
        for s, e in ref:
            a[Segment(s, e)] = "speech"
        for s, e in hyp:
            b[Segment(s, e)] = "speech"
        d = theirs(a, b, uem=Timeline([Segment(0, dur)]), detailed=True)
        assert ours[-1]["missed_s"] == pytest.approx(d["miss"], abs=1e-9)
        assert ours[-1]["false_alarm_s"] == pytest.approx(d["false alarm"], abs=1e-9)
        assert ours[-1]["total_s"] == pytest.approx(d["total"], abs=1e-9)
    assert metrics.detection_error_rate(ours)["der"] == pytest.approx(abs(theirs), abs=1e-6)
