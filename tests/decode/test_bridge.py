"""The probability bridge (vadkit.decode.postprocess.bridge): pauses between speech rise by their length."""
import dataclasses

import numpy as np
import pytest

from vadkit import io
from vadkit.config import DecodeConfig
from vadkit.decode import decoding, postprocess
from vadkit.tool import vad

HOP = 0.01


def reference(p, decay, start=0.0):
    out, m = [], start
    for v in p:
        m = max(v, m * decay)
        out.append(m)
    return np.array(out)


def test_decayed_max_equals_the_loop():
    rng = np.random.default_rng(0)
    p = rng.random(5000) ** 4
    p[100:300] = 0.0
    for decay, start in ((0.9, 0.0), (0.99, 0.7), (0.999, 0.0)):
        got = postprocess._decayed_max(p, np.log(decay), start)
        assert np.allclose(got, reference(p, decay, start), rtol=1e-9, atol=1e-12)


def test_off_is_the_identity():
    p = np.random.default_rng(1).random(100).astype(np.float32)
    out, state = postprocess.bridge(p, DecodeConfig(), HOP, "both")
    assert np.array_equal(out, p) and state == 0.0


def test_both_sides_lift_pauses_between_speech_by_their_length():
    speech, short, long_ = np.full(50, 0.95), np.full(20, 0.02), np.full(150, 0.02)
    p = np.concatenate([np.full(100, 0.02), speech, short, speech, long_, speech, np.full(100, 0.02)])
    cfg = DecodeConfig(bridge_half_life_ms=200.0, bridge_weight=0.5)
    out, _ = postprocess.bridge(p, cfg, HOP, "both")
    assert np.all(out >= p.astype(np.float32))
    mid_short, mid_long = out[100 + 50 + 10], out[100 + 50 + 20 + 50 + 75]
    assert mid_short == pytest.approx(0.5 * 0.95 * 0.5 ** (11 * HOP * 1000 / 200), rel=1e-5)
    assert 0.02 < mid_long < mid_short < 0.5                     # a long pause rises less than a short one
    assert np.all(out[:100] == np.float32(0.02)) and np.all(out[-100:] == np.float32(0.02))  # outside: as it was
    past, _ = postprocess.bridge(p, cfg, HOP, "past")
    assert past[-95] > 0.02 and past[99] == np.float32(0.02)      # a hangover after speech, nothing before


def test_past_in_pieces_equals_the_whole():
    rng = np.random.default_rng(2)
    p = (rng.random(3000) ** 3).astype(np.float32)
    cfg = DecodeConfig(bridge_half_life_ms=150.0, bridge_weight=0.8)
    whole, _ = postprocess.bridge(p, cfg, HOP, "past")
    pieces, state, i = [], 0.0, 0
    while i < len(p):
        n = int(rng.integers(1, 40))
        out, state = postprocess.bridge(p[i:i + n], cfg, HOP, "past", state)
        pieces.append(out)
        i += n
    assert np.allclose(np.concatenate(pieces), whole, rtol=1e-6, atol=1e-7)


@pytest.mark.badinput
@pytest.mark.parametrize("key,value,message", [("bridge_half_life_ms", -1.0, "bridge_half_life_ms must be >= 0"),
                                               ("bridge_weight", 1.5, "bridge_weight must be in"),
                                               ("bridge_sides", "future", "bridge_sides must be one of")])
def test_bad_bridge_settings(key, value, message):
    with pytest.raises(ValueError, match=message):
        DecodeConfig(**{key: value})


def test_a_tuned_threshold_keeps_the_bridge_its_probabilities_were_made_with(tmp_path):
    made = DecodeConfig(bridge_half_life_ms=700.0, bridge_weight=0.6, bridge_sides="both")
    d = tmp_path / "decode_ami_dev"
    io.write_stamp(d / "decode.yaml", {"decode": {k: v for k, v in dataclasses.asdict(made).items()}})
    io.write_json(d / "scoring" / "metrics.json", {"tuned": {"threshold": 0.4, "postprocess": {"pad_ms": 100.0}}})
    cfg = vad.tuned_decode_config(d / "scoring" / "metrics.json", DecodeConfig(threshold=0.8))
    assert (cfg.threshold, cfg.pad_ms, cfg.bridge_half_life_ms, cfg.bridge_weight) == (0.4, 100.0, 700.0, 0.6)
    assert decoding.decode_config_of(d) == made


def test_a_decode_made_before_the_bridge_existed_is_still_current(tmp_path):
    d = tmp_path / "decode_dev"
    old = {k: v for k, v in dataclasses.asdict(DecodeConfig()).items() if not k.startswith("bridge_")}
    io.write_stamp(d / "decode.yaml", {"decode": old, "model": "m"})
    (d / "hyp.rttm").write_text("")
    assert decoding.is_decoded(d, {"decode": dataclasses.asdict(DecodeConfig()), "model": "m"})
    assert not decoding.is_decoded(d, {"decode": dataclasses.asdict(DecodeConfig(bridge_half_life_ms=5.0)),
                                       "model": "m"})
