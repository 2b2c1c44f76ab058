"""Streaming: chunked probabilities and events equal the offline run; bidirectional models refuse."""
import numpy as np
import pytest

from vadkit import io
from vadkit.config import DecodeConfig
from vadkit.errors import InputError

from builders import make_model_dir, toy_recording


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    d = tmp_path_factory.mktemp("stream")
    x, _ = toy_recording(np.random.default_rng(5), 20.0)
    x[:4000] += 0.5 * np.sin(np.arange(4000) * 0.3).astype(np.float32)  # loudest bins first: same dB floor
    return {"uni": make_model_dir(d / "uni", hidden=24), "deltas": make_model_dir(d / "deltas", input_dims=60),
            "delayed": make_model_dir(d / "delayed", hidden=24, label_delay=7),
            "voiced": make_model_dir(d / "voiced", input_dims=63, voicing=True),
            "pcen": make_model_dir(d / "pcen", input_dims=120, kind="pcen"),
            "bi": make_model_dir(d / "bi", bidirectional=True), "x": x.astype(np.float32)}


def stream(sv, x, rng, min_ms=10, max_ms=100):
    probs, events, i = [], [], 0
    while i < len(x):
        n = int(rng.integers(min_ms, max_ms + 1) * sv.sample_rate_hz / 1000)
        st = sv.feed(x[i:i + n])
        assert st.first_frame == sum(map(len, probs))
        probs.append(st.probs)
        events += st.events
        i += n
    st = sv.flush()
    return np.concatenate(probs + [st.probs]), events + st.events


def as_segments(events):
    assert [k for k, _ in events] == ["start", "end"] * (len(events) // 2)
    return [(events[i][1], events[i + 1][1]) for i in range(0, len(events), 2)]


@pytest.mark.parametrize("kind", ["uni", "deltas", "delayed", "voiced", "pcen"])
@pytest.mark.parametrize("cfg", [DecodeConfig(threshold=0.5, median_frames=5, min_silence_ms=200, min_speech_ms=50),
                                 DecodeConfig(threshold=0.5, onset=0.55, offset=0.45, median_frames=11, pad_ms=150,
                                              min_silence_ms=100, min_speech_ms=100, max_speech_s=2.0),
                                 DecodeConfig(threshold=0.5, median_frames=5, min_silence_ms=200,
                                              bridge_half_life_ms=300.0, bridge_weight=0.9)])
def test_stream_equals_offline(setup, kind, cfg):
    from vadkit import StreamingVad, Vad
    x = setup["x"]
    offline = Vad(setup[kind], cfg, chunk_s=None).run(x, 8000)
    # a random model's probabilities hover near 0.5: shift the thresholds onto its range so both
    # speech and non-speech occur
    med = float(np.median(offline.probs))
    shift = {k: getattr(cfg, k) + med - 0.5 for k in ("threshold", "onset", "offset") if getattr(cfg, k) is not None}
    cfg = DecodeConfig(**{**cfg.__dict__, **shift})
    offline = Vad(setup[kind], cfg, chunk_s=None).run(x, 8000)
    assert len(offline.segments) >= 3
    probs, events = stream(StreamingVad(setup[kind], cfg), x, np.random.default_rng(0))
    assert probs.shape == offline.probs.shape
    assert np.abs(probs - offline.probs).max() < 1e-5
    assert as_segments(events) == offline.segments


def test_stream_at_another_rate(setup):
    from vadkit import StreamingVad, Vad
    x16 = io.resample(setup["x"], 8000, 16000)
    cfg = DecodeConfig()
    offline = Vad(setup["uni"], cfg, chunk_s=None).run(x16, 16000)
    probs, _ = stream(StreamingVad(setup["uni"], cfg, sample_rate_hz=16000), x16, np.random.default_rng(1))
    assert np.abs(probs - offline.probs).max() < 1e-5


@pytest.mark.badinput
def test_a_two_sided_bridge_refuses_to_stream(setup):
    from vadkit import StreamingVad
    with pytest.raises(InputError, match="bridge_sides: both needs the whole recording"):
        StreamingVad(setup["uni"], DecodeConfig(bridge_half_life_ms=300.0, bridge_sides="both"))


@pytest.mark.badinput
def test_bidirectional_refuses(setup):
    from vadkit import StreamingVad
    with pytest.raises(InputError, match="bidirectional model .* cannot stream"):
        StreamingVad(setup["bi"])


def test_events_equal_offline_for_random_post_processing(setup):
    """Any mix of hysteresis, median, min speech/silence, padding and splitting; chunks of 1-100 ms."""
    from vadkit import StreamingVad, Vad
    rng = np.random.default_rng(7)
    x = setup["x"][:8000 * 12]
    med = float(np.median(Vad(setup["uni"], DecodeConfig(), chunk_s=None).run(x, 8000).probs))
    for trial in range(8):
        cfg = DecodeConfig(threshold=med + rng.uniform(-0.01, 0.01),    # between offset and onset when unset
                           onset=None if rng.random() < 0.5 else med + 0.01,
                           offset=None if rng.random() < 0.5 else med - 0.01,
                           median_frames=int(rng.choice([1, 5, 11])), min_speech_ms=float(rng.choice([0, 50, 300])),
                           min_silence_ms=float(rng.choice([0, 100, 400])), pad_ms=float(rng.choice([0, 30, 300])),
                           max_speech_s=None if rng.random() < 0.5 else float(rng.choice([0.5, 2.0])))
        offline = Vad(setup["uni"], cfg, chunk_s=None).run(x, 8000)
        _, events = stream(StreamingVad(setup["uni"], cfg), x, np.random.default_rng(trial), min_ms=1)
        assert as_segments(events) == offline.segments, cfg


@pytest.mark.parametrize("kind", ["uni", "delayed"])
def test_events_arrive_within_the_stated_delay(setup, kind):
    """Each event is emitted no later than decision_delay_s after its time (the README's latency figures)."""
    from vadkit import StreamingVad, Vad
    x = setup["x"]
    med = float(np.median(Vad(setup[kind], DecodeConfig(), chunk_s=None).run(x, 8000).probs))
    cfg = DecodeConfig(threshold=med, median_frames=11, min_speech_ms=100, min_silence_ms=400)
    sv = StreamingVad(setup[kind], cfg)
    delay, step, late = sv.decision_delay_s, 80, []
    for i in range(0, len(x), step):
        now = min(len(x), i + step) / 8000
        for kind, t in sv.feed(x[i:i + step]).events:
            late.append(now - t - delay[kind])
    assert len(late) >= 4 and max(late) <= 1e-9


def test_a_label_delay_is_in_the_probability_latency(setup):
    """Each frame's probability arrives decision_delay_s["probability"] after its window ends, not earlier."""
    from vadkit import StreamingVad
    sv, hop = StreamingVad(setup["delayed"]), 0.01
    lat = sv.decision_delay_s["probability"]
    assert lat == pytest.approx(StreamingVad(setup["uni"]).decision_delay_s["probability"] + 7 * hop)
    n = 0
    for i in range(0, 8000 * 3, 40):   # 5 ms pieces
        n += len(sv.feed(setup["x"][i:i + 40]).probs)
        heard = (i + 40) / 8000
        assert n == max(0, int(np.floor((heard - lat) / hop + 1e-9)) + 1)
