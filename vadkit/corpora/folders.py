"""Data prep from users' files: a folder of audio + labels (`--corpus dir`) and the notebook's .mat
feature lists (`--corpus mat`), each into the data-directory contract (vadkit.data).

Audio is resampled once, at data prep, not on the fly: the contract says every file in wav.scp is
at the recipe's rate, so validation, features, scoring figures and plots all read the same samples,
and the resampling cost is paid once rather than on every feature or plotting run.  A file already
at the rate is listed where it is (nothing is copied); others become 16-bit wavs in <data-dir>/wav/.
"""
from __future__ import annotations

import logging
import unicodedata
from collections import Counter
from pathlib import Path

from vadkit import intervals, io
from vadkit.data import datadir
from vadkit.errors import InputError
from vadkit.io import labels

log = logging.getLogger(__name__)


LABEL_SUFFIXES = (".rttm", ".voz", ".txt", ".lab", ".csv", ".tsv", ".scv")


def find_recordings(src: Path, skip: Path | None = None) -> dict[str, Path]:
    """{rec_id: audio file} of every audio file under src (io.find_audio; not under `skip`, the data dir
    being written, whose wav/ holds resampled copies); rec_ids by io.unique_rec_ids in path order: files
    whose names give one id (`a b.wav`, `a,b.wav`; `b.wav`, `sub/b.wav`) get `-2`, `-3`, ... after the
    first, with a warning; reco2file maps each id back to its file."""
    files = io.find_audio([src], skip=skip)
    audio = dict(zip(io.unique_rec_ids(files), files))
    for rec_id, f in audio.items():
        if rec_id != io.rec_id_of(f):
            log.warning("%s: its id %r is taken by %s; this recording is %r", f, io.rec_id_of(f),
                        audio[io.rec_id_of(f)], rec_id)
    return audio


def shared_ids(audio: dict[str, Path]) -> set[str]:
    """The ids several files of `audio` were named for (find_recordings): a shared label file naming one is
    ambiguous."""
    counts = Counter(io.rec_id_of(f) for f in audio.values())
    return {k for k, n in counts.items() if n > 1}


def find_labels(audio: dict[str, Path], src: Path, labels_file: str | None) -> tuple[dict[str, Path], list[Path]]:
    """({rec_id: its own label file}, [label files shared by many recordings]).

    Own: <audio stem>.<rttm|voz|txt|lab|csv|tsv|scv> beside the audio.  Shared: --labels, else every
    other *.rttm, *.scv or `segments` file under src.
    """
    own: dict[str, Path] = {}
    for rec_id, wav in audio.items():
        found = [wav.with_suffix(s) for s in LABEL_SUFFIXES if wav.with_suffix(s).is_file()]
        if len(found) > 1:
            raise InputError(f"{found[1]}: a second label file for {wav} (first {found[0]}); keep one")
        if found:
            own[rec_id] = found[0]
    if labels_file:
        return own, [Path(labels_file)]
    taken = set(own.values())
    shared = [f for f in sorted(src.rglob("*")) if f.is_file() and f not in taken
              and (f.suffix.lower() in (".rttm", ".scv") or f.name == "segments")]
    return own, shared


def read_shared(shared: list[Path], fmt: str | None, audio: dict[str, Path], src: Path) -> dict[str, list]:
    """{rec_id: [(label file, Region)]} of the label files shared by many recordings.  An id is matched in
    Unicode NFC (as vadkit.names makes ids); one no file has, or one several files were named for
    (shared_ids: which one is meant?), is an InputError naming the line."""
    found: dict[str, list] = {}
    ambiguous = shared_ids(audio)
    for f in shared:
        for rec_id, regions in labels.read(f, fmt).items():
            rec_id, line = unicodedata.normalize("NFC", rec_id), regions[0].line if regions else 1
            if rec_id in ambiguous:
                raise InputError(f"{f}:{line}: recording {rec_id!r} names several audio files under {src} "
                                 f"({', '.join(str(w) for w in audio.values() if io.rec_id_of(w) == rec_id)}); "
                                 "rename them, or label each in a file beside it")
            if rec_id not in audio:
                raise InputError(f"{f}:{line}: recording {rec_id!r} has no audio file under {src}; add it or "
                                 "drop its lines")
            found.setdefault(rec_id, []).extend((f, r) for r in regions)
    return found


def prepare_folder(src: str | Path, out_dir: str | Path, sample_rate_hz: int, label_format: str | None = None,
                   labels_file: str | None = None, require_labels: bool = False, pad_labels: bool = False) -> dict:
    """Turn a folder of audio (+ labels in any vadkit.labels format) into a data dir; return a summary.

    Labels are read against the original audio and must lie inside it; a .voz (one label per sample) must
    have as many values as the audio has samples, to 10 ms (check_length), or with `pad_labels`
    may be shorter (the rest is non-speech).
    Without any label file the set is unlabelled (decoded, not trained on or scored), or with
    `require_labels` an error.
    """
    src, out_dir = Path(src), datadir.check_out_dir(out_dir)
    fmt = labels.check_format(label_format) if label_format else None
    audio = find_recordings(src, out_dir)
    own, shared = find_labels(audio, src, labels_file)
    shared_regions = read_shared(shared, fmt, audio, src)
    labelled = bool(own or shared)
    if require_labels and not labelled:
        raise InputError(f"{src}: no label files (<name>.{{{'/'.join(x.lstrip('.') for x in LABEL_SUFFIXES)}}} "
                         "beside the audio, or a shared *.rttm/*.scv/segments); this set is trained on or scored, "
                         "so add them (unlabelled audio: steps/vad.py)")
    wavs, regions, originals = {}, {}, {}
    for rec_id, wav in sorted(audio.items()):
        rate, n = io.audio_info(wav)
        if n == 0:
            raise InputError(f"{wav}: audio is empty (0 samples); remove it or re-export it")
        if labelled:
            regions[rec_id] = _regions_of(rec_id, wav, rate, n, own.get(rec_id), shared_regions.get(rec_id),
                                          shared, fmt, pad_labels)
        wavs[rec_id] = datadir.audio_at_rate(wav, sample_rate_hz, out_dir / "wav", rec_id)
        originals[rec_id] = datadir.table_path(wav, out_dir / "wav", rec_id)
    datadir.write_data_dir(out_dir, wavs, regions if labelled else None, originals=originals,
                           files={k: str(f.absolute()) for k, f in audio.items()})
    if not labelled:
        log.warning("%s: no label files: the set is unlabelled (it can be decoded, not trained on or scored)", src)
    speech = sum(e - s for v in regions.values() for s, e in v)
    return {"recordings": len(wavs), "labelled": labelled, "speech_s": speech,
            "resampled": sum(1 for w in wavs.values() if Path(w).parent == (out_dir / "wav").resolve())}


def _regions_of(rec_id: str, wav: Path, rate: int, n: int, own: Path | None, shared: list | None,
                shared_files: list[Path], fmt: str | None, pad: bool) -> intervals.Segments:
    """One recording's speech regions, checked against its audio (rate, n samples): from its own label file,
    else its (file, Region)s of the shared files.  No speech at all is logged as a warning naming the file."""
    if own is not None:
        own_fmt = fmt or labels.detect_format(own)
        files = [(own, own_fmt)]
        if own_fmt == "voz":
            y = labels.read_voz(own)
            check_length(own, len(y), len(y) / rate, wav, n, rate, pad)
            found = [(own, r) for r in labels.voz_regions(y[:n], rate)]
        else:
            found = [(own, r) for r in labels.read_one(own, rec_id, own_fmt)]
    elif shared_files:
        found = shared or []  # absent from a shared RTTM/segments/.scv: no speech, as RTTM means it
        files = [(f, fmt or labels.detect_format(f)) for f in shared_files]
    else:
        stems = "/".join(s.lstrip(".") for s in LABEL_SUFFIXES)
        raise InputError(f"{wav}: no label file ({wav.stem}.{{{stems}}}) while other recordings have one; "
                         "add it or move the audio out")
    if not found:  # valid (all non-speech), but often a mistake: say so, naming the file
        log.warning("%s; %s counts as all non-speech", "; ".join(f"{f}: {labels.why_no_speech(f, rec_id, f_fmt)}"
                                                             for f, f_fmt in files), rec_id)
    for path, r in found:
        labels.check_inside(path, [r], n / rate)
    return intervals.merge_segments([(r.start_s, min(r.end_s, n / rate)) for _, r in found])


def check_length(path: Path, n_labels: int, labels_s: float, audio: Path, n_samples: int, sample_rate_hz: int,
                 pad: bool = False, what: str = "values", tolerance_s: float = datadir.DUR_TOLERANCE_S) -> None:
    """Per-sample (or per-frame) labels against their audio: n_labels covering labels_s seconds, the audio
    n_samples at sample_rate_hz.  A difference within `tolerance_s` (one 10 ms frame hop) passes; labels
    longer than the audio beyond it raise InputError naming both files and lengths, and so do shorter ones,
    unless `pad`: then the unlabelled end counts as non-speech, with a warning."""
    audio_s = n_samples / sample_rate_hz
    if abs(labels_s - audio_s) <= tolerance_s:
        return
    where = f"{path}: {n_labels} {what} ({labels_s:.3f} s) but {audio} has {n_samples} samples ({audio_s:.3f} s)"
    if labels_s > audio_s:
        raise InputError(f"{where}: labels beyond the audio; pair the labels with the right audio")
    if not pad:
        raise InputError(f"{where}: its last {audio_s - labels_s:.3f} s unlabelled; pair the labels with the "
                         "right audio, or pad them with non-speech (--pad-labels true)")
    log.warning("%s: the last %.3f s, unlabelled, count as non-speech (--pad-labels true)", where, audio_s - labels_s)
