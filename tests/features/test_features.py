import numpy as np
import pytest

from vadkit import io
from vadkit.config import FeatureConfig
from vadkit.errors import InputError
from vadkit.features.extract import compute_features, features_of_file
from vadkit.features.grid import FrameGrid
from vadkit.features.norm import NormStats

GRID = FrameGrid(0.025, 0.010)


def test_frame_count_drops_last_partial_frame():
    assert GRID.n_frames(199, 8000) == 0
    assert GRID.n_frames(200, 8000) == 1
    assert GRID.n_frames(279, 8000) == 1
    assert GRID.n_frames(280, 8000) == 2
    assert GRID.n_frames(16000, 16000) == 98
    assert GRID.n_frames_for_duration(1.0) == 98


def test_labels_follow_frame_centres():
    # centres: 12.5, 22.5, 32.5, ... ms.  Region [20 ms, 40 ms) holds the centres 22.5 and 32.5.
    y = GRID.labels([(0.020, 0.040)], 6)
    assert y.tolist() == [0, 1, 1, 0, 0, 0]
    assert GRID.labels([], 3).tolist() == [0, 0, 0]


def test_segments_and_labels_round_trip():
    y = np.array([0, 1, 1, 1, 0, 0, 1, 0, 1, 1], dtype=np.int8)
    segs = GRID.segments(y)
    assert segs == [(0.0175, 0.0475), (0.0675, 0.0775), (0.0875, 0.1075)]
    assert GRID.labels(segs, len(y)).tolist() == y.tolist()


def test_mfcc_shape_and_known_signal():
    cfg = FeatureConfig()
    sr = 8000
    t = np.arange(sr) / sr
    x = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    f = compute_features(x, sr, cfg)
    assert f.shape == (98, 60) and f.dtype == np.float32
    # a stationary tone: static MFCCs constant over time, deltas ~ 0 away from the edges
    assert np.allclose(f[10:-10, :20], f[10, :20], atol=1e-3)
    assert np.abs(f[10:-10, 20:]).max() < 1e-3
    # louder signal: c0 (log energy) rises by 20*log10(2) dB worth of mel power
    g = compute_features(2 * x, sr, cfg)
    assert g[50, 0] > f[50, 0] + 5
    assert np.allclose(g[50, 1:20], f[50, 1:20], atol=1e-2)


def test_features_of_short_signal_match_grid():
    cfg = FeatureConfig(deltas=0)
    assert compute_features(np.zeros(150, np.float32), 8000, cfg).shape == (0, 20)
    assert compute_features(np.ones(300, np.float32) * 0.1, 8000, cfg).shape == (2, 20)


@pytest.mark.badinput
def test_audio_shorter_than_a_frame_is_an_input_error(tmp_path):
    p = tmp_path / "short.wav"
    io.write_wav(p, np.zeros(100, np.float32), 8000)
    with pytest.raises(InputError, match="short.wav.*shorter than one"):
        features_of_file(str(p), FeatureConfig())


def test_features_resample_to_config_rate(tmp_path):
    p = tmp_path / "a16k.wav"
    io.write_wav(p, 0.1 * np.random.default_rng(0).standard_normal(16000).astype(np.float32), 16000)
    assert features_of_file(str(p), FeatureConfig()).shape == (98, 60)


def test_norm_stats():
    rng = np.random.default_rng(0)
    mats = [rng.normal(3, 2, (500, 4)), rng.normal(3, 2, (700, 4))]
    s = NormStats.accumulate(mats)
    assert s.n_frames == 1200
    z = s.apply(np.concatenate(mats))
    assert np.allclose(z.mean(0), 0, atol=1e-5) and np.allclose(z.std(0), 1, atol=1e-4)
    assert NormStats.from_dict(s.to_dict()).apply(mats[0][:3]).tolist() == s.apply(mats[0][:3]).tolist()


def _librosa_features(x, sr, cfg):
    import librosa
    win, hop = GRID.samples(sr)
    mfcc = librosa.feature.mfcc(y=x, sr=sr, n_mfcc=cfg.n_mfcc, n_fft=win, win_length=win, hop_length=hop,
                                center=False, n_mels=cfg.n_mels, fmin=cfg.fmin_hz, fmax=cfg.fmax_hz)
    parts = [mfcc] + [librosa.feature.delta(mfcc, width=cfg.delta_width, order=o, mode="nearest")
                      for o in range(1, cfg.deltas + 1)]
    return np.concatenate(parts, axis=0).T


@pytest.mark.parametrize("sr", [8000, 16000])
def test_vectorised_mfcc_equals_librosa(sr):
    rng = np.random.default_rng(1)
    x = (0.05 * rng.standard_normal(sr * 2)).astype(np.float32)
    x[sr // 2:sr] += 0.5 * np.sin(2 * np.pi * 300 * np.arange(sr // 2) / sr).astype(np.float32)
    x[sr + 100:sr + 900] = 0  # digital silence: the 80 dB floor matters
    cfg = FeatureConfig(sample_rate_hz=sr)
    ours, ref = compute_features(x, sr, cfg), _librosa_features(x, sr, cfg)
    assert ours.shape == ref.shape
    assert np.abs(ours - ref).max() < 1e-3 * np.abs(ref).max()


def test_feature_stream_equals_whole_signal_at_any_chunking():
    from vadkit.features.extract import FeatureStream
    rng = np.random.default_rng(2)
    x = (0.05 * rng.standard_normal(8000 * 3)).astype(np.float32)
    x[4000:12000] += np.sin(np.arange(8000) * 0.2).astype(np.float32)  # loudest part first: same floor
    cfg = FeatureConfig()
    whole = compute_features(x, 8000, cfg)
    for static_only in (False, True):
        fs, out, i = FeatureStream(8000, cfg, static_only=static_only), [], 0
        while i < len(x):
            n = int(rng.integers(1, 900))  # chunks shorter and longer than a frame
            out.append(fs.push(x[i:i + n]))
            i += n
        out.append(fs.flush())
        got = np.concatenate(out)
        assert got.shape == (len(whole), 20 if static_only else 60)
        assert np.abs(got - whole[:, :got.shape[1]]).max() < 1e-4


def _harmonic(f0, sr, seconds, rng):
    t = np.arange(int(sr * seconds)) / sr
    return sum(np.sin(2 * np.pi * k * f0 * t + rng.uniform(0, 6.3)) / k for k in range(1, 8)).astype(np.float32)


@pytest.mark.parametrize("sr", [8000, 16000])
def test_voicing_tells_periodic_sound_from_noise_and_ignores_level(sr):
    from vadkit.features.extract import voicing
    rng = np.random.default_rng(0)
    win, hop = FrameGrid(0.025, 0.010).samples(sr)

    def frames(x):
        return np.lib.stride_tricks.sliding_window_view(x, win)[::hop]
    for f0 in (90.0, 150.0, 320.0):   # low male to child pitch (at 90 Hz a 25 ms window holds 2.25 periods)
        v = voicing(frames(0.3 * _harmonic(f0, sr, 0.5, rng)), sr)
        assert np.median(v) > 0.95 and v.min() > 0.6, f0
    noise = rng.standard_normal(sr).astype(np.float32)
    clicks = np.zeros(sr, np.float32)
    clicks[rng.integers(0, sr, 40)] = 1.0
    for x in (0.1 * noise, np.cumsum(noise) * 1e-3, clicks):   # white, brown, impulses
        assert np.median(voicing(frames(x), sr)) < 0.5
    x = _harmonic(150.0, sr, 0.5, rng) + 0.5 * noise[:sr // 2]
    v = voicing(frames(x), sr)
    assert np.abs(voicing(frames(1e-3 * x), sr) - v).max() < 1e-3     # -60 dB: the same
    assert not voicing(frames(np.zeros(sr, np.float32)), sr).any()   # digital silence: 0


def test_voicing_dims_come_after_the_spectral_ones():
    from vadkit.features.extract import FeatureStream, add_deltas, band_shift_direction, feature_dim
    rng = np.random.default_rng(1)
    x = np.concatenate([0.02 * rng.standard_normal(8000), _harmonic(120.0, 8000, 1.0, rng),
                        0.02 * rng.standard_normal(8000)]).astype(np.float32)
    plain, voiced = FeatureConfig(), FeatureConfig(voicing=True)
    f, f0 = compute_features(x, 8000, voiced), compute_features(x, 8000, plain)
    assert feature_dim(voiced) == 63 and f.shape == (len(f0), 63)
    assert np.array_equal(f[:, :60], f0)                        # input_dims 60 reads what it always read
    assert f[90:180, 60].mean() > 0.9 > 0.5 > f[:60, 60].mean()  # the tone is voiced, the noise is not
    assert np.array_equal(f[:, 61:], add_deltas(f[:, 60:61], voiced)[:, 1:])  # then its delta, delta-delta
    assert band_shift_direction(voiced, np.ones(40)).shape == (63,)
    assert not band_shift_direction(voiced, np.ones(40))[60:].any()
    fs, out = FeatureStream(8000, voiced), []
    for a in range(0, len(x), 777):
        out.append(fs.push(x[a:a + 777]))
    got = np.concatenate(out + [fs.flush()])
    assert np.abs(got - f).max() < 1e-4


# ---------------------------------------------------------------- PCEN (kind: pcen)
PCEN = FeatureConfig(sample_rate_hz=16000, kind="pcen", n_mels=40)


def _tone_and_noise(rng, dur_s=3.0, sr=16000):
    t = np.arange(int(dur_s * sr)) / sr
    return (0.2 * np.sin(2 * np.pi * 440 * t) + 0.02 * rng.standard_normal(len(t))).astype(np.float32)


def test_pcen_is_librosas_formula_started_at_the_first_frame():
    import librosa
    from vadkit.features.extract import PCEN_SCALE, log_mel, pcen_from_log_mel
    x = _tone_and_noise(np.random.default_rng(0))
    lm = log_mel(x, 16000, PCEN)
    e = (10.0 ** (lm.astype(np.float64) / 20) * PCEN_SCALE).T
    t = PCEN.pcen_time_ms / PCEN.hop_ms
    b = (np.sqrt(1 + 4 * t * t) - 1) / (2 * t * t)
    want = librosa.pcen(e, sr=16000, hop_length=160, time_constant=0.4, zi=(1 - b) * e[:, :1]).T
    got = compute_features(x, 16000, PCEN)
    assert got.shape == (len(lm), 120)
    np.testing.assert_allclose(got[:, :40], want, rtol=1e-5, atol=1e-6)
    # in two pieces with the state carried: the whole
    a, state = pcen_from_log_mel(lm[:77], PCEN)
    b2, _ = pcen_from_log_mel(lm[77:], PCEN, state)
    np.testing.assert_allclose(np.concatenate([a, b2]), got[:, :40], rtol=1e-5, atol=1e-6)


def test_pcen_forgets_level_and_lets_steady_sound_fade():
    rng = np.random.default_rng(1)
    x = _tone_and_noise(rng)
    loud, quiet = compute_features(x, 16000, PCEN), compute_features(x * 0.01, 16000, PCEN)   # 40 dB apart
    assert np.abs(loud[:, :40] - quiet[:, :40]).max() < 0.15 * np.abs(loud[:, :40]).max()
    mfcc = FeatureConfig(sample_rate_hz=16000)
    assert np.abs(compute_features(x, 16000, mfcc)[:, 0] - compute_features(x * 0.01, 16000, mfcc)[:, 0]).min() > 50
    # a burst over the steady sound stands out; the steady sound alone stays flat
    burst = x.copy()
    burst[24000:28000] += 0.5 * np.sin(2 * np.pi * 200 * np.arange(4000) / 16000).astype(np.float32)
    f = compute_features(burst, 16000, PCEN)[:, :40]
    assert f[150:155].max() > 2 * loud[100:300, :40].max()
    assert np.ptp(loud[100:300, :40].mean(1)) < 0.05 * f[150:155].max()


@pytest.mark.badinput
def test_pcen_settings_are_checked_and_level_augmentation_refused():
    from vadkit import config
    from vadkit.config import TrainConfig
    from vadkit.train.augment import LevelAugment
    with pytest.raises(InputError, match="pcen needs pcen_time_ms > 0"):
        config.from_dict(FeatureConfig, {"kind": "pcen", "pcen_time_ms": 0})
    stats = NormStats(np.zeros(120), np.ones(120), 1)
    assert not LevelAugment(TrainConfig(), PCEN, stats, 120).enabled
    with pytest.raises(InputError, match="not for kind: pcen"):
        LevelAugment(TrainConfig(gain_db_max=10), PCEN, stats, 120)


def test_mfcc_pcen_is_the_mfccs_then_the_pcen_bands_each_with_deltas():
    from vadkit.features.extract import FeatureStream, feature_dim
    x = _tone_and_noise(np.random.default_rng(2))
    x[:800] += 0.5   # loudest first: the stream's dB floor is the whole file's
    both = FeatureConfig(sample_rate_hz=16000, kind="mfcc_pcen", n_mels=40)
    f = compute_features(x, 16000, both)
    m = compute_features(x, 16000, FeatureConfig(sample_rate_hz=16000, n_mels=40))
    p = compute_features(x, 16000, PCEN)
    assert f.shape[1] == feature_dim(both) == 180
    for order in range(3):   # each order: 20 MFCC dims, then 40 PCEN dims
        np.testing.assert_allclose(f[:, 60 * order:60 * order + 20], m[:, 20 * order:20 * order + 20], atol=1e-4)
        np.testing.assert_allclose(f[:, 60 * order + 20:60 * order + 60], p[:, 40 * order:40 * order + 40], atol=1e-5)
    fs = FeatureStream(16000, both)
    rows = [fs.push(x[a:a + 777]) for a in range(0, len(x), 777)] + [fs.flush()]
    np.testing.assert_allclose(np.concatenate(rows), f, rtol=1e-5, atol=1e-4)


def test_analysis_matrices_equal_librosa_and_scipy_to_the_last_bit():
    """extract computes its window, mel filters and delta kernels itself (importing librosa.filters and
    scipy.signal costs a feature job ~2 s); features stay those the shipped models were trained on."""
    import librosa
    from scipy.signal import get_window, savgol_coeffs
    from vadkit.features import extract
    for n in (2, 50, 200, 400, 401, 512):
        assert np.array_equal(extract.periodic_hann(n), get_window("hann", n, fftbins=True))
    for sr, n_fft, n_mels, fmin, fmax in ((8000, 200, 40, 0.0, None), (16000, 400, 40, 20.0, 7600.0),
                                          (16000, 400, 64, 0.0, 8000.0), (16000, 512, 80, 64.0, None),
                                          (8000, 256, 23, 0.0, None)):
        assert np.array_equal(extract.mel_filters(sr, n_fft, n_mels, fmin, fmax),
                              librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax))
    hz = np.array([0.0, 99.0, 999.999, 1000.0, 1234.5, 8000.0])
    assert np.array_equal(extract.hz_to_mel(hz), librosa.hz_to_mel(hz))
    assert np.array_equal(extract.mel_to_hz(extract.hz_to_mel(hz)), librosa.mel_to_hz(librosa.hz_to_mel(hz)))
    for width in (3, 5, 9, 11):
        for order in (1, 2):
            assert np.array_equal(extract.delta_kernel(width, order),
                                  savgol_coeffs(width, order, deriv=order, use="dot"))
