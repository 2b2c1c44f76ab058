"""Every figure of the recipe (the only module that imports matplotlib; Agg backend, PNG files)."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from vadkit import io


def _save(fig, path: str | Path, tight: bool = True) -> None:
    if tight:
        fig.tight_layout()
    with io.atomic_write(path) as tmp:
        fig.savefig(tmp, dpi=100, format="png")
    plt.close(fig)


def training_curves(history: list[dict], path: str | Path, title: str = "") -> None:
    """Loss and accuracy per epoch, train and dev (the notebook's plot_results, both sets)."""
    ep = [h["epoch"] for h in history]
    fig, axs = plt.subplots(1, 2, figsize=(12, 4))
    for ax, key in zip(axs, ("loss", "accuracy")):
        ax.plot(ep, [h[f"train_{key}"] for h in history], "o-", color="cornflowerblue", label="train")
        ax.plot(ep, [h[f"dev_{key}"] for h in history], "o-", color="tomato", label="dev")
        ax.set_xlabel("Epoch")
        ax.set_ylabel(key.capitalize())
        ax.set_title(key.capitalize())
        ax.grid(True)
        ax.legend()
    fig.suptitle(title)
    _save(fig, path)


def confusion_matrix(conf: dict, path: str | Path, title: str = "") -> None:
    """Raw counts and row-normalised rates, side by side (rows: reference, columns: hypothesis)."""
    cm = np.array([[conf["tn"], conf["fp"]], [conf["fn"], conf["tp"]]], dtype=np.float64)
    norm = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
    fig, axs = plt.subplots(1, 2, figsize=(10, 4))
    for ax, m, fmt, name in ((axs[0], cm, "{:.0f}", "frames"), (axs[1], norm, "{:.3f}", "normalised by row")):
        ax.imshow(m, cmap="Blues", vmin=0)
        for i in range(2):
            for j in range(2):
                ax.text(j, i, fmt.format(m[i, j]), ha="center", va="center",
                        color="white" if m[i, j] > m.max() / 2 else "black")
        ax.set_xticks([0, 1], ["non-speech", "speech"])
        ax.set_yticks([0, 1], ["non-speech", "speech"])
        ax.set_xlabel("Predicted label")
        ax.set_ylabel("True label")
        ax.set_title(name)
    fig.suptitle(title)
    _save(fig, path)


ENVELOPE_BINS = 2800   # two per pixel column of a 14-inch figure at 100 dpi


def waveform_labels(x: np.ndarray, sample_rate_hz: int, tracks: dict[str, np.ndarray], frame_times_s: np.ndarray,
                    path: str | Path, start_s: float = 0.0, title: str = "",
                    probs: np.ndarray | None = None) -> None:
    """The notebook's figure: a window of waveform with 0/1 label tracks drawn at +-1 (label*2-1).

    x: the window's samples; tracks: {name: (n_frames,) 0/1} on frame_times_s (absolute seconds);
    probs: optional (n_frames,) speech probabilities drawn on a second panel.
    """
    t = start_s + np.arange(len(x)) / sample_rate_hz
    peak = max(float(np.max(np.abs(x))), 1e-9) if len(x) else 1.0
    rows = 2 if probs is not None else 1
    fig, axs = plt.subplots(rows, 1, figsize=(14, 3.2 * rows), sharex=True, squeeze=False)
    ax = axs[0, 0]
    if len(x) > 2 * ENVELOPE_BINS:   # drawn as its min/max per bin: the same picture, a tenth of the drawing time
        n = len(x) // ENVELOPE_BINS * ENVELOPE_BINS
        bins = x[:n].reshape(ENVELOPE_BINS, -1) / peak
        ax.fill_between(t[:n:n // ENVELOPE_BINS], bins.min(axis=1), bins.max(axis=1), color="0.6", lw=0.5,
                        label="waveform (peak-normalised)")
    else:
        ax.plot(t, x / peak, color="0.6", lw=0.5, label="waveform (peak-normalised)")
    colours = ["tab:green", "tab:red", "tab:blue", "tab:orange"]
    for (name, y), c, off in zip(tracks.items(), colours, (1.0, 0.94, 0.88, 0.82)):
        ax.step(frame_times_s, (np.asarray(y) * 2 - 1) * off, where="mid", color=c, lw=1.4, label=name)
    ax.set_ylim(-1.15, 1.15)
    ax.set_ylabel("Amplitude / label")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(True)
    ax.set_title(title)
    if probs is not None:
        axs[1, 0].plot(frame_times_s, probs, color="tab:purple", lw=1)
        axs[1, 0].set_ylim(-0.05, 1.05)
        axs[1, 0].set_ylabel("P(speech)")
        axs[1, 0].grid(True)
    axs[-1, 0].set_xlabel("Time (seconds)")
    axs[-1, 0].set_xlim(t[0] if len(t) else start_s, t[-1] if len(t) else start_s + 1)
    _save(fig, path)


def vad_overview(env: np.ndarray, duration_s: float, segments: list, probs: np.ndarray, frame_shift_s: float,
                 path: str | Path, title: str = "") -> None:
    """A whole recording: waveform envelope (n, 2) min/max with speech segments shaded, and P(speech)."""
    fig, axs = plt.subplots(2, 1, figsize=(14, 5), sharex=True, gridspec_kw={"height_ratios": [2, 1]})
    t = np.linspace(0, duration_s, len(env))
    peak = max(float(np.abs(env).max()), 1e-9)
    axs[0].fill_between(t, env[:, 0] / peak, env[:, 1] / peak, color="0.5", lw=0)
    for s, e in segments:
        for ax in axs:
            ax.axvspan(s, e, color="tab:green", alpha=0.25, lw=0)
    axs[0].set_ylabel("waveform (peak-normalised)")
    axs[0].set_title(f"{title}: {len(segments)} speech segments (green)")
    centres = np.arange(len(probs)) * frame_shift_s + 0.0125  # frame k centred at k*10 ms + 12.5 ms (README)
    axs[1].plot(centres, probs, color="tab:purple", lw=0.8)
    axs[1].set_ylim(-0.05, 1.05)
    axs[1].set_ylabel("P(speech)")
    axs[1].set_xlabel("Time (seconds)")
    axs[1].set_xlim(0, max(duration_s, 1e-3))
    _save(fig, path)


def recording(x: np.ndarray, sample_rate_hz: int, start_s: float, tracks: dict[str, list], mel_db: np.ndarray,
              mel_hop_s: float, path: str | Path, title: str = "") -> None:
    """Part 1 of the notebook as one figure: a window of waveform (peak-normalised) with each label
    track as label*2-1 (speech +1, non-speech -1), over the mel spectrogram of the same window.

    x: the window's samples; tracks: {name: [(start_s, end_s)]} in absolute seconds;
    mel_db: (n_mels, n_frames) with frame k centred at start_s + k * mel_hop_s.
    """
    end_s = start_s + len(x) / sample_rate_hz
    t = start_s + np.arange(len(x)) / sample_rate_hz
    fig, axs = plt.subplots(2, 1, figsize=(14, 7), sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    ax = axs[0]
    ax.plot(t, x / max(float(np.max(np.abs(x))) if len(x) else 0.0, 1e-9), color="0.6", lw=0.5,
            label="waveform (peak-normalised)")
    colours = ["tab:green", "tab:red", "tab:blue", "tab:orange"]
    for (name, segs), c, off in zip(tracks.items(), colours, (1.0, 0.94, 0.88, 0.82)):
        tt, yy = _step(segs, start_s, end_s)
        ax.plot(tt, yy * off, color=c, lw=1.4, label=name)
    ax.set_ylim(-1.15, 1.15)
    ax.set_ylabel("Amplitude / label")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(True)
    ax.set_title(title)
    half = mel_hop_s / 2
    im = axs[1].imshow(mel_db, origin="lower", aspect="auto", cmap="magma",
                       extent=(start_s - half, start_s + mel_db.shape[1] * mel_hop_s - half, -0.5, mel_db.shape[0] - 0.5))
    axs[1].set_ylabel(f"Mel band (of {mel_db.shape[0]})")
    axs[1].set_xlabel("Time (seconds)")
    axs[1].set_xlim(start_s, end_s)
    fig.colorbar(im, ax=axs, format="%+2.0f dB", pad=0.01, fraction=0.03)
    _save(fig, path, tight=False)  # tight_layout cannot place a colorbar shared by two panels


def _step(segs: list, start_s: float, end_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact +1/-1 step curve of speech regions over [start_s, end_s]: vertical edges only at region
    boundaries inside the window (a region cut by the window edge stays at +1 there)."""
    tt, yy = [start_s], [-1.0]
    for s, e in segs:
        if e <= start_s or s >= end_s:
            continue
        s, e = max(s, start_s), min(e, end_s)
        tt += [s, s, e, e]
        yy += [yy[-1], 1.0, 1.0, -1.0 if e < end_s else 1.0]
    tt.append(end_s)
    yy.append(yy[-1])
    if len(tt) > 2 and tt[1] == start_s:  # speech from the window's first sample: no drop at its left edge
        tt, yy = tt[2:], yy[2:]
    return np.array(tt), np.array(yy)


def per_file_errors(per_file: list[dict], path: str | Path, title: str = "", max_files: int = 40) -> None:
    """Which recordings fail most: frame error rate per recording, split into missed speech and false
    alarms (both as fractions of the recording's frames), worst first (at most max_files)."""
    rows = sorted(per_file, key=lambda r: -(r["fn"] + r["fp"]) / max(r["n_frames"], 1))[:max_files]
    n = np.array([max(r["n_frames"], 1) for r in rows], dtype=np.float64)
    miss, fa = np.array([r["fn"] for r in rows]) / n, np.array([r["fp"] for r in rows]) / n
    y = np.arange(len(rows))[::-1]
    fig, ax = plt.subplots(figsize=(9, 1.2 + 0.28 * len(rows)))
    ax.barh(y, miss, color="tab:red", label="missed speech")
    ax.barh(y, fa, left=miss, color="tab:orange", label="false alarm")
    for yi, m, f, r in zip(y, miss, fa, rows):
        ax.text(m + f, yi, f" {m + f:.3f}  (F1 {r['f1']:.3f})" if r.get("f1") is not None else f" {m + f:.3f}",
                va="center", fontsize=7)
    ax.set_yticks(y, [r["rec_id"] for r in rows], fontsize=7)
    ax.set_xlabel("Frame error rate (fraction of the recording's frames)")
    ax.set_xlim(0, max(float(np.max(miss + fa)) * 1.3, 0.05) if len(rows) else 1)
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(True, axis="x")
    ax.set_title(title + (f" (worst {max_files} of {len(per_file)})" if len(per_file) > max_files else ""))
    _save(fig, path)


def roc_pr_curves(curves: dict[str, dict], path: str | Path, title: str = "") -> None:
    """ROC and precision-recall curves of several systems on one set, overlaid.

    curves: {system: {"fpr", "tpr", "precision": (n,) arrays, "label": legend text, "speech_ratio"}}.
    """
    fig, axs = plt.subplots(1, 2, figsize=(12, 5))
    for name, c in curves.items():
        axs[0].plot(c["fpr"], c["tpr"], lw=1.3, label=c.get("label", name))
        axs[1].plot(c["tpr"][1:], c["precision"][1:], lw=1.3, label=c.get("label", name))
    axs[0].plot([0, 1], [0, 1], ":", color="0.5", lw=1, label="chance")
    ratio = next((c["speech_ratio"] for c in curves.values() if "speech_ratio" in c), None)
    if ratio is not None:  # precision of answering speech everywhere
        axs[1].axhline(ratio, ls=":", color="0.5", lw=1, label=f"all speech ({ratio:.3f})")
    axs[0].set_xlabel("False-alarm rate")
    axs[0].set_ylabel("Recall (1 - miss rate)")
    axs[0].set_title("ROC")
    axs[1].set_xlabel("Recall")
    axs[1].set_ylabel("Precision")
    axs[1].set_title("Precision-recall")
    for ax in axs:
        ax.set_xlim(-0.01, 1.01)
        ax.set_ylim(-0.01, 1.01)
        ax.grid(True)
        ax.legend(loc="lower right" if ax is axs[0] else "lower left", fontsize=8)
    fig.suptitle(title)
    _save(fig, path)


BOUNDARY_LINEAR_MS = 500    # boundary_delays: most delays lie within half a second; bridged pauses reach seconds
BOUNDARY_TICKS_MS = (-30000, -10000, -2000, -500, -250, 0, 250, 500, 2000, 10000, 30000)


def boundary_delays(delays_ms: dict[str, tuple[np.ndarray, np.ndarray]], path: str | Path, title: str = "") -> None:
    """Onset and offset delay ECDFs of several systems, overlaid (vadkit.eval.boundaries).

    delays_ms: {legend label: (onset delays, offset delays)}, each (n,) in ms, negative = early.  The x axis
    is linear within +-BOUNDARY_LINEAR_MS and logarithmic beyond, so the bulk near 0 and the tails of
    bridged pauses (seconds) show on one axis.
    """
    fig, axs = plt.subplots(1, 2, figsize=(12, 4.5))
    for k, (ax, what) in enumerate(zip(axs, ("Onset", "Offset"))):
        for label, d in delays_ms.items():
            x = np.sort(np.asarray(d[k], np.float64))
            if len(x):
                ax.step(np.concatenate([x[:1], x]), np.arange(len(x) + 1) / len(x), where="post", lw=1.3,
                        label=f"{label} (median {np.median(x):.0f} ms, n={len(x)})")
        ax.axvline(0, ls=":", color="0.5", lw=1)
        ax.set_xscale("symlog", linthresh=BOUNDARY_LINEAR_MS, linscale=2)
        ticks = [t for t in BOUNDARY_TICKS_MS if abs(t) <= max(1000, *(np.abs(d[k]).max(initial=0)
                                                                          for d in delays_ms.values()))]
        ax.set_xticks(ticks, [f"{t:g}" for t in ticks], fontsize=8)
        ax.set_ylim(0, 1.01)
        ax.set_xlabel(f"{what} delay, ms (hypothesis minus reference; < 0: early; linear within "
                      f"±{BOUNDARY_LINEAR_MS} ms)", fontsize=9)
        ax.set_ylabel("Share of matched reference regions")
        ax.set_title(f"{what} delay ECDF")
        ax.grid(True)
        ax.legend(loc="upper left", fontsize=8)
    fig.suptitle(title)
    _save(fig, path)
