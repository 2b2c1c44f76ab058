"""Tables over scored exp dirs: the summary (one row per system and set), the mean and standard
deviation over training seeds, and the paired bootstrap comparison of two systems.

Reads only exp/<system>/decode_<set>/scoring/{metrics.json, frame_stats.npz}, so any system with
that layout (our models, exp/baseline_<name>/) is ranked by the same code.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from vadkit import io, plan
from vadkit.eval import bootstrap, metrics, scoring
from vadkit.config import ScoreConfig
from vadkit.errors import InputError

# (column, where in metrics.json); "_ci" columns hold [lo, hi]
COLUMNS = (("accuracy", "accuracy"), ("precision", "precision"), ("recall", "recall"), ("f1", "f1"),
           ("f1_ci95", "ci95.f1"), ("roc_auc", "roc_auc"), ("auc_ci95", "ci95.roc_auc"),
           ("ap", "average_precision"), ("eer", "eer"), ("dcf", "dcf"), ("dcf_ci95", "ci95.dcf"),
           ("p@r90", "precision_at_recall_90"), ("p@r95", "precision_at_recall_95"), ("der", "der"),
           ("thr", "threshold"), ("tuned_thr", "tuned.threshold"), ("tuned_f1", "tuned.f1"), ("tuned_f1_ci95", "tuned.ci95.f1"),
           ("tuned_min_sil", "tuned.postprocess.min_silence_ms"), ("tuned_pad", "tuned.postprocess.pad_ms"),
           ("tuned_min_speech", "tuned.postprocess.min_speech_ms"),   # only with tune_min_speech_ms set
           ("tuned_noise", "tuned.noise.share"),   # the noise-only dev set called speech at the tuned setting
           ("tuned_dcf", "tuned.dcf"), ("best_shift", "shift_search.best_shift_frames"),
           ("all_speech_acc", "baseline_all_speech.accuracy"), ("all_speech_f1", "baseline_all_speech.f1"),
           ("n_files", "n_files"), ("n_frames", "n_frames"))
COLUMN_NAMES = ("rate", *(c for c, _ in COLUMNS))   # rate: the sample rate the system heard (rate_of)
# what `local/score.py` shows unless asked for more (`--columns all`): quality at the decode threshold and
# tuned on dev, with the intervals that say whether two rows differ, and the always-speech floor
DEFAULT_COLUMNS = ("rate", "accuracy", "precision", "recall", "f1", "f1_ci95", "roc_auc", "tuned_thr",
                   "tuned_f1", "all_speech_acc")
# compared metric -> (where in metrics.json, which way is better); tuned_f1 needs both scored with --tune-on
COMPARED = {"f1": ("f1", "higher"), "roc_auc": ("roc_auc", "higher"), "dcf": ("dcf", "lower"),
            "tuned_f1": ("tuned.f1", "higher")}


def lookup(m: dict, path: str):
    """The value at a dotted path of a metrics.json dict (e.g. "tuned.ci95.f1"), or None."""
    for key in path.split("."):
        if not isinstance(m, dict) or key not in m:
            return None
        m = m[key]
    return m


def check_exist(exp_dirs: list[str | Path]) -> None:
    """InputError naming the first of `exp_dirs` that does not exist (a typo, not a system without scores)."""
    for exp in map(Path, exp_dirs):
        if not exp.exists():
            raise InputError(f"{exp}: no such exp dir; check its name (ls {exp.parent}/)")


def summary_rows(exp_dirs: list[str | Path]) -> tuple[list[dict], list[str]]:
    """One row per scored (system, set) under the given exp dirs, and notes on dirs without scores.

    Rows are sorted by set, then by F1 (best first); each carries the all-speech baseline.  A dir that
    does not exist, or no row at all, is an InputError.
    """
    check_exist(exp_dirs)
    rows, notes = [], []
    for exp in map(Path, exp_dirs):
        found = sorted(exp.glob("decode_*/scoring/metrics.json")) if exp.is_dir() else []
        if not found:
            notes.append(f"{exp}: no scored decodes (decode_*/scoring/metrics.json), skipped")
        for f in found:
            m = io.read_json(f)
            rows.append({"model": exp.name, "set": f.parent.parent.name.removeprefix("decode_"),
                         "rate": rate_of(f.parent.parent), **{c: lookup(m, p) for c, p in COLUMNS}})
    if not rows:
        others = f" (nor in the {len(exp_dirs) - 1} other dirs given)" if len(exp_dirs) > 1 else ""
        raise InputError(f"{exp_dirs[0]}: no scored decodes (decode_<set>/scoring/metrics.json){others}; score "
                         "them first (steps/score.py; stage 5)")
    rows.sort(key=lambda r: (r["set"], -(r["f1"] or 0), r["model"]))
    return rows, notes


def rate_of(decode_dir: Path) -> str | None:
    """The sample rate a system heard in a decode, e.g. "8k" or "16k": a public VAD's own (decode.yaml's
    baseline.run_rates_hz), else the set's feature rate; None when decode.yaml does not say."""
    import yaml
    try:
        sig = yaml.safe_load((decode_dir / "decode.yaml").read_text(encoding="utf-8")) or {}
        rates = sig.get("baseline", {}).get("run_rates_hz") or [
            yaml.safe_load(sig["data_cache"])["features"]["sample_rate_hz"]]
    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError):
        return None
    return "/".join(f"{r / 1000:g}k" for r in rates)


def seed_rows(rows: list[dict]) -> list[dict]:
    """Rows of <model>_seed<k> systems (plan.seed_group) merged into one row per (model, set): "mean±std"
    over seeds (sample std); other rows unchanged.  Interval columns are dropped from merged rows."""
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault((r["set"], plan.seed_group(r["model"]) or r["model"]), []).append(r)
    out = []
    for (set_, model), rs in groups.items():
        if len(rs) == 1 and not plan.seed_group(rs[0]["model"]):
            out.append(rs[0])
            continue
        row = {"model": f"{model}({len(rs)})", "set": set_, "rate": rs[0].get("rate"),
               "_f1": np.mean([r["f1"] or 0 for r in rs])}
        for c, _ in COLUMNS:
            vals = [r[c] for r in rs]
            if c.endswith("_ci95") or any(not isinstance(v, (int, float)) for v in vals):
                row[c] = None
            elif c in ("n_files", "n_frames"):
                row[c] = vals[0] if len(set(vals)) == 1 else f"{min(vals)}-{max(vals)}"
            else:
                row[c] = f"{np.mean(vals):.4f}±{np.std(vals, ddof=1) if len(vals) > 1 else 0.0:.4f}"
        out.append(row)
    out.sort(key=lambda r: (r["set"], -(r.get("_f1", r["f1"] if isinstance(r["f1"], float) else 0) or 0), r["model"]))
    return out


def _cell(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, list):
        return f"[{v[0]:.3f},{v[1]:.3f}]"
    return f"{v:.4f}" if isinstance(v, float) else str(v)


def format_table(rows: list[dict], cols: list[str] | None = None) -> str:
    """Aligned text table (undefined values shown as '-'; the first two columns left-aligned)."""
    cols = cols or ["set", "model", "rate", *(c for c, _ in COLUMNS)]
    cells = [[_cell(r.get(c)) for c in cols] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) if cells else len(c) for i, c in enumerate(cols)]
    return "\n".join("  ".join(v.ljust(w) if i < 2 else v.rjust(w) for i, (v, w) in enumerate(zip(line, widths)))
                     for line in [cols, *cells])


def compare(exp_a: str | Path, exp_b: str | Path, cfg: ScoreConfig | None = None) -> list[dict]:
    """Paired bootstrap of A - B on every set both have scored: the same recordings are drawn for
    both systems in each resample.  One row per (set, metric) with the difference and its interval;
    tuned_f1 (each at its own dev-tuned setting) when both were scored with --tune-on."""
    cfg = cfg or ScoreConfig()
    exp_a, exp_b = Path(exp_a), Path(exp_b)
    check_exist([exp_a, exp_b])
    sets = sorted({p.parent.parent.name for p in exp_a.glob("decode_*/scoring/metrics.json")}
                  & {p.parent.parent.name for p in exp_b.glob("decode_*/scoring/metrics.json")})
    if not sets:
        raise InputError(f"{exp_a} and {exp_b}: no set scored for both (decode_<set>/scoring/metrics.json); "
                         "score both first (stage 5)")
    rows = []
    for s in sets:
        ma, mb = (io.read_json(e / s / "scoring/metrics.json") for e in (exp_a, exp_b))
        sa, sb = (scoring.read_stats(e / s) for e in (exp_a, exp_b))
        if list(sa["rec_ids"]) != list(sb["rec_ids"]):
            raise InputError(f"{exp_a / s} and {exp_b / s}: scored on different recordings; "
                             "a paired comparison needs the same set")
        w = bootstrap.resample_weights(len(sa["rec_ids"]), cfg.bootstrap_resamples, cfg.bootstrap_seed)
        ra, rb = (bootstrap.resampled_metrics(w, z["counts"], z["pos"], z["neg"]) for z in (sa, sb))
        if "tuned_counts" in sa and "tuned_counts" in sb:   # both tuned on dev: F1 at each one's tuned setting
            ra["tuned_f1"], rb["tuned_f1"] = (bootstrap.resampled_metrics(w, z["tuned_counts"], z["pos"], z["neg"])["f1"]
                                              for z in (sa, sb))
        for k, (path, better) in COMPARED.items():
            va, vb = lookup(ma, path), lookup(mb, path)
            if va is None or vb is None or k not in ra or k not in rb:
                continue
            d = ra[k] - rb[k]
            d = d[~np.isnan(d)]
            p = min(1.0, 2 * min(np.mean(d <= 0), np.mean(d >= 0))) if len(d) else None
            if p == 0:  # no resample crossed 0: all we know is p < 1/resamples
                p = f"<{1 / len(d):.3g}"
            ci = bootstrap.interval(d, cfg.confidence)
            rows.append({"set": s.removeprefix("decode_"), "metric": f"{k} ({better} is better)", "A": va,
                         "B": vb, "A-B": va - vb, f"ci{round(cfg.confidence * 100)}": ci, "p": p,
                         "differs": None if ci is None else ("yes" if ci[0] > 0 or ci[1] < 0 else "no")})
    return rows


def set_curves(exp_dirs: list[str | Path]) -> dict[str, dict[str, dict]]:
    """{set: {system: ROC/PR points}} from each scored decode's frame_stats.npz (pooled over its
    recordings; exact at every distinct score, or at 2000 score quantiles for continuous scores)."""
    out: dict[str, dict[str, dict]] = {}
    for exp in map(Path, exp_dirs):
        for f in sorted(exp.glob("decode_*/scoring/metrics.json")) if exp.is_dir() else []:
            z, m = scoring.read_stats(f.parent.parent), io.read_json(f)
            pos, neg = z["pos"].sum(axis=0)[::-1], z["neg"].sum(axis=0)[::-1]  # highest threshold first
            if not pos.sum() or not neg.sum():
                continue
            c = metrics.curves_from_counts(z["levels"][::-1], np.cumsum(pos), np.cumsum(neg), int(pos.sum()),
                                           int(neg.sum()))
            auc, ap = m.get("roc_auc"), m.get("average_precision")
            c["speech_ratio"] = float(pos.sum() / (pos.sum() + neg.sum()))
            c["label"] = exp.name + (f"  AUC {auc:.3f}" if auc is not None else "") + (f"  AP {ap:.3f}" if ap else "")
            out.setdefault(f.parent.parent.name.removeprefix("decode_"), {})[exp.name] = c
    return out
