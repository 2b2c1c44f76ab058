"""Test data the tests build themselves: toy recordings and data dirs, model dirs with random weights,
corpora in the layouts of the real ones (LibriSpeech/MUSAN archives, AMI, .mat lists).

Nothing here is downloaded or read from ../shared: every file is generated.
"""
from __future__ import annotations

import dataclasses
import io as pyio
import tarfile
from pathlib import Path

import h5py
import numpy as np
import scipy.io
import soundfile as sf
import torch

from vadkit import config, io
from vadkit.config import FeatureConfig, MixCorpusConfig, ModelConfig, TrainConfig
from vadkit.corpora import download, sounds, tts
from vadkit.data import datadir
from vadkit.features.extract import compute_features
from vadkit.features.grid import FrameGrid
from vadkit.features.norm import NormStats
from vadkit.models.networks import build_model

FEATS = FeatureConfig()


# ---------------------------------------------------------------- toy audio and data dirs
def toy_recording(rng: np.random.Generator, dur_s: float, sr: int = 8000) -> tuple[np.ndarray, list]:
    """Low noise with loud buzzy bursts (amplitude-modulated square waves) as 'speech' regions.

    Not speech: a stand-in with sharp, known boundaries so pipeline tests can check mechanics.
    """
    x = 0.01 * rng.standard_normal(int(dur_s * sr))
    segs, t = [], rng.uniform(0.3, 1.0)
    while t < dur_s - 1.0:
        length = min(rng.uniform(0.5, 1.5), dur_s - t - 0.2)
        k0, k1 = int(t * sr), int((t + length) * sr)
        tt = np.arange(k1 - k0) / sr
        x[k0:k1] += 0.2 * np.sign(np.sin(2 * np.pi * rng.uniform(100, 250) * tt)) * (1 + np.sin(8 * np.pi * tt)) / 2
        segs.append((round(t, 3), round(t + length, 3)))
        t += length + rng.uniform(0.3, 1.2)
    return x.astype(np.float32), segs


def make_toy_data_dir(path: Path, n: int, dur_s: float = 6.0, seed: int = 0, sr: int = 8000) -> Path:
    """A labelled data dir of n toy recordings with audio under path/wav/."""
    rng = np.random.default_rng(seed)
    wavs, regions = {}, {}
    for i in range(n):
        rec_id = f"{path.name}_{i:03d}"
        x, segs = toy_recording(rng, dur_s, sr)
        wavs[rec_id] = str(path / "wav" / f"{rec_id}.wav")
        io.write_wav(wavs[rec_id], x, sr)
        regions[rec_id] = segs
    datadir.write_data_dir(path, wavs, regions)
    return path


# ---------------------------------------------------------------- model dirs (random weights, no training)
def make_model_dir(path, bidirectional=False, input_dims=20, hidden=16, seed=0, arch="lstm", kind="mfcc",
                   cmvn=None, layers=1, label_delay=0, voicing=False, turn_head=False):
    """An exp/<model>/final.pt with random weights and plausible normalisation stats (no training).
    cmvn: None writes no train_config (as models trained before that key), else its TrainConfig.cmvn."""
    torch.manual_seed(seed)
    mcfg = ModelConfig(arch=arch, input_dims=input_dims, hidden_size=hidden, bidirectional=bidirectional,
                       num_layers=layers, label_delay=label_delay, turn_head=turn_head)
    fcfg = FeatureConfig(kind=kind, voicing=voicing)
    x, _ = toy_recording(np.random.default_rng(seed), 8.0)
    from vadkit.features.extract import compute_features
    stats = NormStats.accumulate([compute_features(x, 8000, fcfg)])
    net = build_model(mcfg)
    path.mkdir(parents=True, exist_ok=True)
    extra = {} if cmvn is None else {"train_config": config.to_dict(TrainConfig(cmvn=cmvn))}
    torch.save({"model_state": net.state_dict(), "model_config": config.to_dict(mcfg),
                "feature_config": config.to_dict(fcfg), "norm_stats": stats.to_dict(), **extra}, path / "final.pt")
    return path


def reweighted(src, dst, seed, **model):
    """A model dir with src's features and normalisation, other weights (and model config changes)."""
    ck = torch.load(src / "final.pt", weights_only=True)
    mc = ModelConfig(**{**ck["model_config"], **model})
    torch.manual_seed(seed)
    ck.update(model_config=config.to_dict(mc), model_state=build_model(mc).state_dict())
    dst.mkdir(parents=True, exist_ok=True)
    torch.save(ck, dst / "final.pt")
    return dst


# ---------------------------------------------------------------- sources of the mix corpus
TINY = dict(train_minutes=0.4, dev_minutes=0.2, test_minutes=0.2, min_rec_s=10.0, max_rec_s=12.0,
            dev_share=0.25, test_share=0.25, noise_dev_share=0.25, noise_test_share=0.25)


def tiny_cfg(**changes) -> MixCorpusConfig:
    return dataclasses.replace(MixCorpusConfig(), **{**TINY, **changes})


def make_sources(root: Path, n_speakers: int = 6, n_noise: int = 4) -> tuple[Path, Path]:
    """root/speech/<LibriSpeech layout> (espeak-ng, 16 kHz flac, 2 utterances per speaker, each with
    a 0.6 s pause inside) and root/noise/*.wav (generated noise, 22.05 kHz)."""
    synth, rng = tts.Synthesizer(), np.random.default_rng(0)
    synth.reset(0)   # espeak-ng carries state between calls: the same files whatever the process spoke before
    voices = ["en+m3", "en+f3", "de+m1", "fr+f2", "es+m2", "it+f4", "en+klatt", "pt+m4"]
    for k in range(n_speakers):
        spk = 100 + k
        for u in range(2):
            a, sr = synth.synthesize(tts.random_sentence(rng, "en", 4, 8), voices[k % len(voices)])
            b, _ = synth.synthesize(tts.random_sentence(rng, "en", 3, 6), voices[k % len(voices)])
            x = np.concatenate([np.zeros(sr // 5), a, np.zeros(int(0.6 * sr)), b, np.zeros(sr // 5)])
            x = io.resample(x + 1e-4 * rng.standard_normal(len(x)), sr, 16000)
            path = root / "speech" / "LibriSpeech" / "dev" / str(spk) / "7" / f"{spk}-7-{u:04d}.flac"
            path.parent.mkdir(parents=True, exist_ok=True)
            import soundfile as sf
            sf.write(str(path), x, 16000)
    for k in range(n_noise):
        name = sorted(sounds.BED_GENERATORS)[k % len(sounds.BED_GENERATORS)]
        io.write_wav(root / "noise" / f"{k}_{name}.wav", sounds.BED_GENERATORS[name](rng, 22050 * 3, 22050), 22050)
    return root / "speech", root / "noise"


# ---------------------------------------------------------------- a local mirror of the librimix archives
SPEAKERS = {"dev-clean-2": [1272, 1462, 2412], "train-clean-5": [19, 26, 32]}


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, pyio.BytesIO(data))


def _encoded_audio(x: np.ndarray, sr: int, fmt: str) -> bytes:
    buf = pyio.BytesIO()
    sf.write(buf, x, sr, format=fmt, subtype="PCM_16")
    return buf.getvalue()


def make_mirror(mirror: Path) -> dict[str, str]:
    """dev-clean-2.tar.gz, train-clean-5.tar.gz (LibriSpeech/<set>/<spk>/<chapter>/<spk>-<chapter>-NNNN.flac,
    espeak-ng speech at 16 kHz) and musan.tar.gz (musan/{noise,music,speech}/..., music/fma/ANNOTATIONS
    with one sung piece) in `mirror`; returns {name: md5}."""
    mirror.mkdir(parents=True, exist_ok=True)
    synth, rng = tts.Synthesizer(), np.random.default_rng(0)
    synth.reset(0)   # espeak-ng carries state between calls: the same files whatever the process spoke before
    voices = ["en+m3", "en+f3", "de+m1", "fr+f2", "es+m2", "it+f4"]
    k = 0
    for part, speakers in SPEAKERS.items():
        with tarfile.open(mirror / f"{part}.tar.gz", "w:gz") as tar:
            _add(tar, "LibriSpeech/SPEAKERS.TXT", b"; tiny stand-in\n")
            for spk in speakers:
                chapter, lines = 100 + spk, []
                for u in range(2):
                    x, sr = synth.synthesize(tts.random_sentence(rng, "en", 5, 9), voices[k % len(voices)])
                    x = io.resample(np.concatenate([np.zeros(sr // 4), x, np.zeros(sr // 4)]), sr, 16000)
                    rec = f"{spk}-{chapter}-{u:04d}"
                    _add(tar, f"LibriSpeech/{part}/{spk}/{chapter}/{rec}.flac", _encoded_audio(x, 16000, "FLAC"))
                    lines.append(f"{rec} WORDS\n")
                _add(tar, f"LibriSpeech/{part}/{spk}/{chapter}/{spk}-{chapter}.trans.txt", "".join(lines).encode())
                k += 1
    gens = sorted(sounds.BED_GENERATORS)
    with tarfile.open(mirror / "musan.tar.gz", "w:gz") as tar:
        for i in range(4):
            x = sounds.BED_GENERATORS[gens[i % len(gens)]](rng, 16000 * 3, 16000)
            _add(tar, f"musan/noise/free-sound/noise-free-sound-{i:04d}.wav", _encoded_audio(x, 16000, "WAV"))
        _add(tar, "musan/noise/free-sound/LICENSE", b"tiny stand-in\n")
        for i in range(3):
            t = np.arange(16000 * 3) / 16000
            x = 0.3 * np.sin(2 * np.pi * (220 + 110 * i) * t)
            _add(tar, f"musan/music/fma/music-fma-{i:04d}.wav", _encoded_audio(x, 16000, "WAV"))
        _add(tar, "musan/music/fma/ANNOTATIONS",
             b"music-fma-0000 Classical N Someone\nmusic-fma-0001 Pop Y Singer\nmusic-fma-0002 Jazz N Band\n")
        x, sr = synth.synthesize("this is speech and must never be noise", "en+m1")
        _add(tar, "musan/speech/librivox/speech-librivox-0000.wav", _encoded_audio(io.resample(x, sr, 16000), 16000, "WAV"))
    return {p.name: download.md5sum(p) for p in sorted(mirror.glob("*.tar.gz"))}


def write_config(path: Path, md5s: dict[str, str], base_url: str = "https://www.openslr.org/resources") -> Path:
    roles = {"dev-clean-2.tar.gz": ("31", "speech"), "train-clean-5.tar.gz": ("31", "speech"),
             "musan.tar.gz": ("17", "musan")}
    text = "archives:\n" + "".join(
        f"  - name: {name}\n    url: {base_url}/{roles[name][0]}/{name}\n    md5: {md5}\n    role: {roles[name][1]}\n"
        for name, md5 in md5s.items())
    path.write_text(text)
    return path


# ---------------------------------------------------------------- users' folders and the notebook's .mat files
def write_audio(path, dur_s, sr, channels=1, seed=0):
    x, segs = toy_recording(np.random.default_rng(seed), dur_s, sr)
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), np.stack([x] * channels, axis=1) if channels > 1 else x, sr)
    return segs


def toy_mat(path, seed, v73=False, dur_s=4.0, wav=None):
    """X from the recipe's own MFCCs of a toy recording, Y from its regions on the frame grid."""
    x, segs = toy_recording(np.random.default_rng(seed), dur_s)
    feats = compute_features(x, 8000, FEATS)
    y = FrameGrid().labels(segs, len(feats))
    save_mat(path, feats, y[:, None].astype(np.float64), v73)
    if wav is not None:
        io.write_wav(wav, x, 8000)
    return feats, y


def save_mat(path, x, y, v73=False, names=("X", "Y")):
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = dict(zip(names, (x, y)))
    if not v73:
        scipy.io.savemat(str(path), arrays)
        return
    with h5py.File(path, "w", userblock_size=512) as f:  # MATLAB v7.3: HDF5, arrays stored transposed
        for k, v in arrays.items():
            f[k] = np.asarray(v, dtype=np.float64).T
    header = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan  1 00:00:00 2024 HDF5 schema 1.00 ."
    with open(path, "r+b") as f:
        f.write(header.ljust(116, b" ") + b"\0" * 8 + b"\x00\x02IM")


# ---------------------------------------------------------------- an AMI-like corpus
def _tone_file(path, dur_s, sr=16000):
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(dur_s * sr)) / sr
    sf.write(str(path), (0.1 * np.sin(2 * np.pi * 300 * t)).astype(np.float32), sr)


def make_ami_corpus(root):
    """Two layouts, as in the shared corpus: annotations/ + wav/ with a UEM, and a lone file pair."""
    c = root / "corpus"
    ann = c / "debug" / "annotations"
    ann.mkdir(parents=True)
    for rec_id in ("m1a", "m1b", "m2"):
        _tone_file(c / "debug" / "wav" / f"{rec_id}.flac", 4.0)
    (ann / "x.rttm").write_text(
        "SPEAKER m1a 1 0.500 1.500 <NA> <NA> A <NA> <NA>\n"     # 0.5-2.0, overlaps B's turn
        "SPEAKER m1a 1 1.500 1.000 <NA> <NA> B <NA> <NA>\n"     # 1.5-2.5 -> one region 0.5-2.5
        "SPEAKER m1b 1 0.500 1.000 <NA> <NA> B <NA> <NA>\n"     # shares B: same meeting as m1a
        "SPEAKER m1b 1 3.000 2.000 <NA> <NA> B <NA> <NA>\n"     # 3.0-5.0, beyond the UEM end
        "SPEAKER m2 1 1.000 1.000 <NA> <NA> C <NA> <NA>\n")
    (ann / "x.uem").write_text("m1a NA 0.000 4.000\nm1b NA 1.000 3.500\nm2 NA 0.000 4.000\n")
    _tone_file(c / "lone" / "s.wav", 3.0)
    (c / "lone" / "s.rttm").write_text("SPEAKER s 1 0.200 1.000 <NA> <NA> D <NA> <NA>\n")
    return c
