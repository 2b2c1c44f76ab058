import numpy as np
import pytest

from vadkit import metrics


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
