"""An ablation: variants of the recipe's conf/ (each a few keys changed) and one table over them.

A variant lists its changes as {conf file: {key: value}} (nested keys merge), over the ablation file's
`base:` changes (the settings the ablation started from, so it reproduces after the recipe's defaults
move to its winners); the entry `run.sh: {option: value}` holds options for ./run.sh instead.
local/ablation/run_ablation.sh runs the recipe once per variant; `table_rows` reads what they scored.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import yaml

from vadkit import io
from vadkit.errors import InputError
from vadkit.eval import report

# (column, set, metrics.json path): selection uses the *_dev columns only, the test columns are reported
TABLE = (("ami_dev_auc", "ami_dev", "roc_auc"), ("ami_dev_f1", "ami_dev", "tuned.f1"),
         ("ami_test_auc", "ami_test", "roc_auc"), ("ami_test_auc_ci95", "ami_test", "ci95.roc_auc"),
         ("ami_test_f1", "ami_test", "tuned.f1"), ("ami_test_thr", "ami_test", "tuned.threshold"),
         ("tel_test_auc", "ami_test_tel", "roc_auc"), ("tel_test_f1", "ami_test_tel", "tuned.f1"),
         ("test_auc", "test", "roc_auc"), ("test_f1", "test", "tuned.f1"))


def load_variants(path: str | Path) -> dict:
    """{model, base, variants} of an ablation file."""
    cfg = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    variants = cfg.get("variants")
    if not isinstance(variants, dict) or not variants:
        raise InputError(f"{path}: no 'variants:' mapping (name: {{conf file: {{key: value}}}})")
    return {"model": cfg.get("model", "lstm"), "base": cfg.get("base") or {}, "variants": variants}


def _merge(base: dict, changes: dict) -> dict:
    out = dict(base)
    for k, v in changes.items():
        out[k] = _merge(base[k], v) if isinstance(v, dict) and isinstance(base.get(k), dict) else v
    return out


def write_conf(ablation: str | Path, variant: str, src: str | Path, out: str | Path) -> None:
    """OUT: a copy of the conf dir SRC with the variant's changes, its model config as <variant>.yaml."""
    cfg = load_variants(ablation)
    if variant not in cfg["variants"]:
        raise InputError(f"{ablation}: no variant '{variant}' (known: {', '.join(cfg['variants'])})")
    changes = _merge(cfg["base"], cfg["variants"][variant] or {})   # the variant over the ablation's base
    changes.pop("run.sh", None)
    src, out = Path(src), Path(out)
    model_file = f"{cfg['model']}.yaml"
    changes.setdefault(model_file, {})
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(src, tmp)
    for name, ch in changes.items():
        if not (src / name).is_file():
            raise InputError(f"{ablation}: variant '{variant}' changes {src / name}, which does not exist")
        merged = _merge(yaml.safe_load((src / name).read_text(encoding="utf-8")) or {}, ch or {})
        target = tmp / (f"{variant}.yaml" if name == model_file else name)
        target.write_text(f"# {name} with the changes of ablation variant '{variant}' ({ablation})\n"
                          + yaml.safe_dump(merged, sort_keys=False), encoding="utf-8")
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)


def _mean(vals: list) -> float | None:
    vals = [v for v in vals if isinstance(v, (int, float))]
    return float(np.mean(vals)) if vals else None


def table_rows(root: str | Path, order: list[str] = ()) -> list[dict]:
    """One row per variant dir under root (those named in `order` first, in its order): the mean over
    its trained systems (seeds) of each column."""
    rows = []
    rank = {v: i for i, v in enumerate(order)}
    for vdir in sorted((p for p in Path(root).iterdir() if (p / "exp").is_dir()),
                       key=lambda p: (rank.get(p.name, len(rank)), p.name)):
        systems = sorted(p for p in (vdir / "exp").iterdir() if p.name.startswith(vdir.name)
                         and (p / "history.json").is_file())
        if not systems:
            continue
        row = {"variant": vdir.name, "seeds": len(systems)}
        metrics = {}                                   # (system, set) -> metrics.json, each read once
        for s in systems:
            for set_ in {set_ for _, set_, _ in TABLE}:
                f = s / f"decode_{set_}" / "scoring" / "metrics.json"
                metrics[s, set_] = io.read_json(f) if f.is_file() else {}
        for col, set_, path in TABLE:
            vals = [report.lookup(metrics[s, set_], path) for s in systems]
            if col.endswith("_ci95"):
                row[col] = vals[0] if len(systems) == 1 else None
            else:
                row[col] = _mean(vals)
                good = [v for v in vals if isinstance(v, (int, float))]
                if len(good) > 1:
                    row[col + "_sd"] = float(np.std(good, ddof=1))
        row["train_min"] = _mean([sum(e.get("seconds", 0) for e in io.read_json(s / "history.json")) / 60
                                  for s in systems])
        rows.append(row)
    return rows


def format_markdown(rows: list[dict]) -> str:
    """The rows as a Markdown table (mean ± sd over seeds)."""
    cols = ["variant", "seeds", *(c for c, _, _ in TABLE), "train_min"]

    def cell(r, c):
        v = r.get(c)
        if v is None:
            return "-"
        if isinstance(v, list):
            return f"[{v[0]:.3f}, {v[1]:.3f}]"
        if isinstance(v, float):
            sd = r.get(c + "_sd")
            return f"{v:.3f}" + (f" ± {sd:.3f}" if sd is not None else "")
        return str(v)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(cell(r, c) for c in cols) + " |" for r in rows]
    return "\n".join(lines)
