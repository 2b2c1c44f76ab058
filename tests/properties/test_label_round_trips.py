"""Property tests: every label writer's output read back gives the regions written.

rttm and segments keep milliseconds (the data-dir contract), so they round-trip within 1 ms;
Audacity, csv/tsv and .scv keep microseconds; .voz is per sample (within one sample).  Regions are
drawn in whole microseconds, at least 2 ms long with gaps of at least 3 ms, so rounding to the ms
can neither empty a region nor join two.
"""
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vadkit.io import labels

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
REC_ID = st.from_regex(r"[A-Za-z0-9_.-]{1,12}", fullmatch=True).filter(lambda s: s not in (".", ".."))


@st.composite
def regions(draw, max_regions=8, max_step_us=2_000_000):
    """Sorted, disjoint [(start_s, end_s)] on whole microseconds."""
    t, out = draw(st.integers(0, max_step_us)), []
    for _ in range(draw(st.integers(0, max_regions))):
        length = draw(st.integers(2_000, max_step_us))
        out.append((t / 1e6, (t + length) / 1e6))
        t += length + draw(st.integers(3_000, max_step_us))
    return out


def _close(got, want, tol_s):
    assert len(got) == len(want), (got, want)
    for (gs, ge), (ws, we) in zip(got, want):
        assert abs(gs - ws) <= tol_s + 1e-9 and abs(ge - we) <= tol_s + 1e-9, ((gs, ge), (ws, we))


@SETTINGS
@given(st.dictionaries(REC_ID, regions(), min_size=1, max_size=4), st.sampled_from(["rttm", "segments", "scv"]),
       st.randoms())
def test_multi_recording_formats_round_trip(tmp_path, by_rec, fmt, rnd):
    path = tmp_path / ("segments" if fmt == "segments" else f"x.{fmt}")
    shuffled = {k: rnd.sample(v, len(v)) for k, v in by_rec.items()}   # writers sort
    labels.write(path, shuffled, fmt)
    got = labels.read(path, fmt)
    want = {k: v for k, v in by_rec.items() if v}   # a recording without speech leaves no line
    assert sorted(got) == sorted(want)
    tol_s = 0.001 if fmt != "scv" else 1e-6
    for rec_id, regs in want.items():
        _close(labels.to_segments(got[rec_id]), regs, tol_s)
        _close(labels.to_segments(labels.read_one(path, rec_id, fmt)), regs, tol_s)


@SETTINGS
@given(regions(), st.sampled_from(["audacity", "csv", "tsv"]))
def test_one_recording_formats_round_trip_to_the_microsecond(tmp_path, regs, fmt):
    path = tmp_path / {"audacity": "rec.txt"}.get(fmt, f"rec.{fmt}")
    labels.write(path, {"rec": regs}, fmt)
    _close(labels.to_segments(labels.read_one(path, "rec", fmt)), regs, 1e-6)


@SETTINGS
@given(regions(max_regions=5, max_step_us=400_000), st.sampled_from([8000, 16000]))
def test_voz_round_trips_to_the_sample(tmp_path, regs, sr):
    n_samples = math.ceil((regs[-1][1] if regs else 0.1) * sr) + 3
    labels.write(tmp_path / "rec.voz", {"rec": regs}, "voz", n_samples=n_samples, sample_rate_hz=sr)
    got = labels.to_segments(labels.read_one(tmp_path / "rec.voz", "rec", "voz", sr))
    _close(got, regs, 1 / sr)
    # regions on sample boundaries come back exactly
    on_samples = [(math.ceil(s * sr - 1e-6) / sr, math.ceil(e * sr - 1e-6) / sr) for s, e in regs]
    labels.write(tmp_path / "rec.voz", {"rec": on_samples}, "voz", n_samples=n_samples, sample_rate_hz=sr)
    assert labels.to_segments(labels.read_one(tmp_path / "rec.voz", "rec", "voz", sr)) == on_samples
