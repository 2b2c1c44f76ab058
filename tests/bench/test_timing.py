import time

from vadkit.bench import timing


def test_time_call_and_rtf_measure_cpu_time():
    def spin():
        t0 = time.process_time()
        while time.process_time() - t0 < 0.02:
            pass
    assert 0.02 <= timing.time_call(spin, repeat=2, warmup=0) < 0.2
    assert 0.002 <= timing.rtf(spin, audio_s=10.0, repeat=1, warmup=0) < 0.02
    assert timing.time_call(lambda: time.sleep(0.05), repeat=1, warmup=0) < 0.02  # sleeping uses no CPU
    assert timing.time_call(lambda: time.sleep(0.05), repeat=1, warmup=0, clock="wall") >= 0.05
    assert timing.peak_rss_mb() > 10 and "cores" in timing.machine()
