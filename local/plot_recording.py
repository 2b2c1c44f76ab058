#!/usr/bin/env -S sh -c 'p="${0%/*}/../.venv/bin/python"; [ -x "$p" ] || p=python3; exec "$p" "$0" "$@"'
"""Part 1 of the notebook as a tool: waveform, label tracks and mel spectrogram of (a window of) a recording.

e.g.: local/plot_recording.py --ref data/test/rttm --hyp exp/blstm/decode_test/hyp.rttm \
        --start-s 10 --dur-s 10 audio_sample_test.wav window.png

Draws the waveform (peak-normalised) with each label track as label*2-1 (speech +1, non-speech -1),
over a 23-band mel spectrogram (20 ms window, 10 ms hop, dB), time in seconds; writes the PNG.
Labels in any format vadkit.labels reads (RTTM, Kaldi segments, .voz, Audacity, CSV/TSV, .scv),
detected or named with --label-format; files with many recordings give the one named like the audio
(--rec-id to choose).  Prints the duration, the sample rate and each track's speech/non-speech amounts.
"""
from pathlib import Path

from vadkit import cli, intervals, io
from vadkit.errors import InputError
from vadkit.eval import plots
from vadkit.features.extract import mel_spectrogram_db
from vadkit.io import labels, tables

MEL_HOP_S = 0.010  # the notebook's hop_length=160 at 16 kHz


def track(path: str, fmt: str | None, rec_id: str, rate: int, n: int) -> intervals.Segments:
    """One recording's speech regions from a label file, checked against the audio."""
    regions = labels.read_one(path, rec_id, fmt, rate)
    labels.check_inside(path, regions, n / rate)
    return labels.to_segments(regions)


def main(argv=None):
    p = cli.parser(__doc__)
    p.add_argument("--ref", help="reference labels")
    p.add_argument("--hyp", help="hypothesis labels (e.g. a decode dir's hyp.rttm)")
    p.add_argument("--label-format", default="auto", help=f"auto or one of: {', '.join(labels.FORMATS)}")
    p.add_argument("--rec-id", help="recording to take from multi-recording label files (default: the audio's name)")
    p.add_argument("--start-s", type=float, default=0.0, help="window start, seconds (default 0)")
    p.add_argument("--dur-s", type=float, help="window length, seconds (default: to the end)")
    p.add_argument("audio")
    p.add_argument("output", help="PNG to write")
    p.rename("--start", "--start-s")
    p.rename("--dur", "--dur-s")
    p.to_positional("-o", "last")
    p.to_positional("--output", "last")
    a = p.parse_args(argv)
    x, rate = io.read_audio(a.audio)
    n, dur = len(x), len(x) / rate
    rec_id = a.rec_id or tables.rec_id_of(Path(a.audio))
    fmt = None if a.label_format == "auto" else a.label_format
    tracks = {name: track(f, fmt, rec_id, rate, n) for name, f in (("reference", a.ref), ("hypothesis", a.hyp)) if f}
    if not 0 <= a.start_s < dur or (a.dur_s is not None and a.dur_s <= 0):
        raise InputError(f"{a.audio}: window --start-s {a.start_s} --dur-s {a.dur_s} is outside the audio "
                         f"(0-{dur:.2f} s)")
    end = dur if a.dur_s is None else min(dur, a.start_s + a.dur_s)
    print(f"{a.audio}: duration {dur:.3f} s, sample rate {rate} Hz, {n} samples")
    for name, segs in tracks.items():
        speech = sum(e - s for s, e in segs)
        print(f"  {name:10s} speech {speech:9.3f} s ({100 * speech / dur:5.1f} %), non-speech {dur - speech:9.3f} s "
              f"({100 * (dur - speech) / dur:5.1f} %), {len(segs)} regions")
    w = x[round(a.start_s * rate):round(end * rate)]
    plots.recording(w, rate, a.start_s, tracks, mel_spectrogram_db(w, rate, hop_s=MEL_HOP_S), MEL_HOP_S, a.output,
                    f"{Path(a.audio).name}: {a.start_s:.2f}-{end:.2f} s")
    cli.log.info("wrote %s", a.output)


if __name__ == "__main__":
    cli.run(main)
