"""Real meeting speech with human RTTM (AMI excerpts, `--ami-dir`) into data dirs ami_dev, ami_test.

Every *.rttm, *.uem and audio file (wav, flac, ...: vadkit.io.find_audio) under the corpus folder is
found; a recording is an audio file whose name (without suffix) is a rec_id of an RTTM or UEM line.  Reference speech is
the union of all SPEAKER turns (overlapping turns merge into one region); a UEM span (one per
recording) crops the audio and the labels to the annotated part.  Audio is resampled to the
recipe's rate into <data-root>/local/ami/wav/, the excerpt at its own rate kept in local/ami/orig/ for
orig.scp (the corpus itself is only read).
Split by meeting: recordings sharing a speaker label are one meeting and stay in one set; meetings,
longest first, go to whichever set is shorter so far (ties to test), so dev and test hold about
half the audio each and never share a speaker.
With a telephone codec (mulaw, alaw), a copy of the same recordings, split and labels through an 8 kHz
telephone channel (300-3400 Hz band, G.711: vadkit.corpora.augment.telephone) goes to ami_dev_tel and
ami_test_tel as well (audio: <data-root>/local/ami_tel/wav/).
"""
from __future__ import annotations

import logging
from pathlib import Path

from vadkit import intervals, io, names
from vadkit.corpora import augment
from vadkit.data import datadir
from vadkit.errors import InputError
from vadkit.io import labels

log = logging.getLogger(__name__)

SETS = ("ami_dev", "ami_test")


def read_turns(path: Path) -> list[tuple[str, float, float, str]]:
    """(rec_id, start_s, end_s, speaker) of each SPEAKER line (vadkit.io.labels' RTTM reader + its speaker field)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    out = []
    for rec_id, regions in labels.read(path, "rttm").items():
        for r in regions:
            f = lines[r.line - 1].split()
            out.append((rec_id, r.start_s, r.end_s, f[7] if len(f) > 7 else rec_id))
    return out


def read_uem(path: Path) -> dict[str, tuple[float, float]]:
    """{rec_id: (start_s, end_s)} from `<rec_id> <channel> <start> <end>` lines; one span per recording."""
    spans: dict[str, tuple[float, float]] = {}
    for lineno, line in enumerate(path.read_text().splitlines(), 1):
        f = line.split()
        if not f:
            continue
        try:
            start, end = float(f[2]), float(f[3])
        except (IndexError, ValueError):
            raise InputError(f"{path}:{lineno}: expected '<rec_id> <channel> <start> <end>': {line!r}") from None
        if not 0 <= start < end:
            raise InputError(f"{path}:{lineno}: span {start:.3f}-{end:.3f} s is empty or negative; fix the line")
        if f[0] in spans:
            raise InputError(f"{path}:{lineno}: second span for {f[0]!r}; one annotated span per recording "
                             "is supported, split the recording")
        spans[f[0]] = (start, end)
    return spans


def split_by_meeting(speakers: dict[str, set[str]], durations_s: dict[str, float]) -> dict[str, list[str]]:
    """{set name: rec_ids}: recordings connected by a shared speaker stay together (see the docstring)."""
    parent = {r: r for r in speakers}

    def root(r):
        while parent[r] != r:
            parent[r] = parent[parent[r]]
            r = parent[r]
        return r
    first_rec: dict[str, str] = {}
    for r in sorted(speakers):
        for s in speakers[r]:
            if s in first_rec:
                parent[root(r)] = root(first_rec[s])
            else:
                first_rec[s] = r
    meetings: dict[str, list[str]] = {}
    for r in sorted(speakers):
        meetings.setdefault(root(r), []).append(r)
    order = sorted(meetings.values(), key=lambda m: (-sum(durations_s[r] for r in m), m[0]))
    sets: dict[str, list[str]] = {name: [] for name in SETS}
    total = dict.fromkeys(SETS, 0.0)
    for m in order:
        name = "ami_dev" if total["ami_dev"] < total["ami_test"] else "ami_test"
        sets[name] += m
        total[name] += sum(durations_s[r] for r in m)
    return {k: sorted(v) for k, v in sets.items()}


def _scan(corpus: Path) -> tuple[dict[str, Path], dict, dict, dict]:
    """(audio {rec_id: file}, UEM spans, speech turns {rec_id: [(s, e)]}, speakers {rec_id: labels})."""
    if not corpus.is_dir():
        raise InputError(f"{corpus}: corpus folder not found; pass the folder holding the RTTM and audio files")
    rttms = sorted(corpus.rglob("*.rttm"))
    if not rttms:
        raise InputError(f"{corpus}: no *.rttm files; pass the folder holding the RTTM and audio files")
    audio: dict[str, Path] = {}
    for f in io.find_audio([corpus]):
        if f.stem in audio:
            raise InputError(f"{f}: a second audio file for {f.stem!r} (first {audio[f.stem]}); rename one")
        audio[f.stem] = f
    uem: dict[str, tuple[float, float]] = {}
    for f in sorted(corpus.rglob("*.uem")):
        uem.update(read_uem(f))
    turns: dict[str, list[tuple[float, float]]] = {r: [] for r in uem}
    speakers: dict[str, set[str]] = {r: set() for r in uem}
    for f in rttms:
        found = read_turns(f)
        if not found:  # valid (no speech), but often a mistake: say so
            log.warning("%s: %s; it adds no speech", f, labels.why_no_speech(f, "", "rttm"))
        for rec_id, start, end, spk in found:
            if rec_id not in audio:
                raise InputError(f"{f}: recording {rec_id!r} has no audio file (<rec_id>.wav, .flac, ...) "
                                 f"under {corpus}; add it or drop its lines")
            turns.setdefault(rec_id, []).append((start, end))
            speakers.setdefault(rec_id, set()).add(spk)
    for rec_id in sorted(r for r, t in turns.items() if not t):
        log.warning("%s: no SPEAKER lines for %s in the RTTM files under it; %s counts as all non-speech", corpus,
                    rec_id, rec_id)
    missing = sorted(set(uem) - set(audio))
    if missing:
        raise InputError(f"{corpus}: UEM recording {missing[0]!r} has no audio file; add it or drop its line")
    return audio, uem, turns, speakers


def prepare(corpus_dir: str | Path, data_root: str | Path, sample_rate_hz: int, telephone: str = "none") -> None:
    """data_root/ami_dev, ami_test (and with a telephone codec ami_dev_tel, ami_test_tel) from the corpus."""
    copies = {"": None} if telephone == "none" else {"": None, "_tel": telephone}  # name suffix -> codec
    rate, root = sample_rate_hz, datadir.check_out_dir(data_root, "data root")
    audio, uem, turns, speakers = _scan(Path(corpus_dir))
    wavs: dict[str, dict[str, str]] = {suffix: {} for suffix in copies}
    regions, durs, originals = {}, {}, {}
    for rec_id in sorted(turns):
        if not io.is_rec_id(rec_id):
            raise InputError(f"{audio[rec_id]}: recording id {rec_id!r} has characters other than {names.RULE}; "
                             "rename the file and its RTTM lines")
        io.check_float_range(audio[rec_id])  # the 16-bit copy would clip it
        orig, orig_rate = io.read_audio(audio[rec_id])
        x = io.resample(orig, orig_rate, rate)   # what read_audio(path, rate) gives, without a second read
        start, end = uem.get(rec_id, (0.0, len(x) / rate))
        x = x[round(start * rate):round(end * rate)]
        if orig_rate != rate:  # the excerpt at its own rate too: public VADs score that (orig.scp)
            originals[rec_id] = str(root / "local" / "ami" / "orig" / f"{rec_id}.wav")
            io.write_wav(originals[rec_id], orig[round(start * orig_rate):round(end * orig_rate)], orig_rate)
        for suffix, codec in copies.items():
            wavs[suffix][rec_id] = str(root / "local" / f"ami{suffix}" / "wav" / f"{rec_id}.wav")
            io.write_wav(wavs[suffix][rec_id], augment.telephone(x, rate, codec) if codec else x, rate)
        durs[rec_id] = len(x) / rate
        inside = [(max(s, start) - start, min(e, end) - start) for s, e in turns[rec_id] if e > start and s < end]
        regions[rec_id] = intervals.merge_segments(inside)
    for name, rec_ids in split_by_meeting(speakers, durs).items():
        speech = sum(e - s for r in rec_ids for s, e in regions[r])
        total = sum(durs[r] for r in rec_ids)
        for suffix in copies:
            out = root / f"{name}{suffix}"
            datadir.write_data_dir(out, {r: wavs[suffix][r] for r in rec_ids}, {r: regions[r] for r in rec_ids},
                                   originals={} if suffix else {r: originals[r] for r in rec_ids if r in originals})
            log.info("%s: %d recordings (%s), %.1f min, %.0f%% speech", out, len(rec_ids), " ".join(rec_ids),
                     total / 60, 100 * speech / max(total, 1e-9))
