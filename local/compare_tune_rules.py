#!/usr/bin/env -S sh -c 'p="${0%/*}/../.venv/bin/python"; [ -x "$p" ] || p=python3; exec "$p" "$0" "$@"'
"""Compare the operating-point rules of conf/score.yaml by leave-one-recording-out on dev sets.

e.g.: local/compare_tune_rules.py --sets "ami_dev ami_dev_tel dev" exp/blstm60 exp/baseline_silero exp/baseline_ten
      local/compare_tune_rules.py --margins "0.002 0.005 0.01" exp/*
      local/compare_tune_rules.py --margins "" --noise-caps "0.02 0.05 0.08" exp/*

For every exp dir and set (exp/<m>/decode_<set>; those not decoded are skipped), each rule (`tune_rule: best`,
and `plateau` at each --margins value) chooses the threshold and post-processing of conf/score.yaml's sweep on
all recordings but one, and the left-out recording is counted at that choice; the metric pooled over the
left-out recordings is the rule's held-out value.  Prints one row per system and set, then per rule the mean
over rows and how often it beat `best`.  With only a few dev recordings the single best point is partly luck:
this says whether a rule that picks the middle of a plateau transfers better.  --noise-caps adds `best` bounded by
the noise-only dev set (`tune_noise_max` at each cap; exp/<m>/decode_dev_noise, or decode_dev_noise_tel for a
telephone set, as stage 5 pairs them) and prints the share of it each rule's choice on all recordings calls
speech.  Writes nothing; test sets do not belong here.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from vadkit import cli, config
from vadkit.config import ScoreConfig
from vadkit.errors import InputError
from vadkit.eval import scoring
from vadkit.plan import noise_set_of


def held_out(counts: list[list[np.ndarray]], cfg: ScoreConfig, noise: list[list[float]] | None = None
             ) -> float | None:
    """The cfg.tune_metric over each recording counted at the setting cfg's rule chose on the others (with
    `noise`, the noise set's shares, bounded by cfg.tune_noise_max)."""
    n = counts[0][0].shape[0]
    total = np.zeros((1, 4), dtype=np.int64)
    for i in range(n):
        rest = [k for k in range(n) if k != i]
        chosen = scoring.choose_setting([[scoring.pooled(c[rest])[cfg.tune_metric] for c in row] for row in counts],
                                        cfg, noise)
        if chosen is not None:
            total += counts[chosen[0]][chosen[1]][i]
    return scoring.pooled(total)[cfg.tune_metric]


def noise_share_at_choice(counts, cfg: ScoreConfig, noise: list[list[float]] | None) -> float | None:
    """The noise set's share called speech at the setting the rule chooses on all recordings."""
    if noise is None:
        return None
    chosen = scoring.choose_setting([[scoring.pooled(c)[cfg.tune_metric] for c in row] for row in counts], cfg, noise)
    return None if chosen is None else noise[chosen[0]][chosen[1]]


def main(argv=None):
    p = cli.parser(__doc__)
    p.add_list("--sets", default=["ami_dev", "ami_dev_tel", "dev"], help="dev sets (default: \"ami_dev "
               "ami_dev_tel dev\")")
    p.add_list("--margins", default=["0.002", "0.005", "0.01"], help="tune_margin values of the plateau rule "
               "(default: \"0.002 0.005 0.01\")")
    p.add_list("--noise-caps", default=[], help="also `best` bounded by the noise-only dev set at each of these "
               "tune_noise_max values, e.g. \"0.02 0.05\" (default: none)")
    p.add_argument("--config", default="conf/score.yaml", help="the sweep: thresholds, gap bridging, padding, "
                   "metric (default conf/score.yaml)")
    p.add_argument("--data", default="data", help="folder of the data dirs (default: data)")
    p.add_argument("exp_dirs", nargs="+")
    a = p.parse_args(argv)
    base = config.load(a.config, ScoreConfig)
    best = dataclasses.replace(base, tune_rule="best", tune_noise_max=None)
    try:
        rules = {"best": best} | {
            f"plateau {float(m):g}": dataclasses.replace(best, tune_rule="plateau", tune_margin=float(m))
            for m in a.margins}
        rules |= {f"noise<={float(c):g}": dataclasses.replace(best, tune_noise_max=float(c)) for c in a.noise_caps}
    except ValueError as e:
        raise InputError(f"--margins, --noise-caps: {e}; give values in [0, 1), e.g. --margins \"0.002 0.005\"") \
            from None
    rows = []
    for e in a.exp_dirs:
        for s in a.sets:
            decode_dir = Path(e) / f"decode_{s}"
            if not (decode_dir / "hyp.rttm").is_file():
                continue
            dec = scoring.load_decoded(Path(a.data) / s, decode_dir)
            if len(dec.rec_ids) < 2:
                raise InputError(f"{Path(a.data) / s}: one recording; leaving one out needs at least two")
            counts = scoring.sweep_counts(dec, base)[2]
            noise, name = None, noise_set_of(s)
            if a.noise_caps and name:   # the noise set stage 5 pairs with this set
                if not (Path(e) / f"decode_{name}" / "hyp.rttm").is_file():
                    raise InputError(f"{Path(e) / f'decode_{name}'}: not decoded; --noise-caps needs the noise-only "
                                     f"dev set {name} decoded beside {decode_dir} (stages 1, 2 and 4 make it)")
                noise = scoring.noise_shares(dec, Path(a.data) / name, Path(e) / f"decode_{name}", base)
            rows.append((e, s, {n: held_out(counts, cfg, noise) for n, cfg in rules.items()},
                         {n: noise_share_at_choice(counts, cfg, noise) for n, cfg in rules.items()}))
    if not rows:
        raise InputError(f"no decode_<set> of {' '.join(a.sets)} in {' '.join(a.exp_dirs)}; decode them first "
                         "(stage 4)")
    print(f"{'system':32s} {'set':12s} " + " ".join(f"{n:>13s}" for n in rules))
    for e, s, v, _ in rows:
        print(f"{e:32s} {s:12s} " + " ".join(f"{x:13.4f}" if x is not None else f"{'-':>13s}" for x in v.values()))
    sign = 1 if base.tune_metric == "f1" else -1
    print(f"held-out {base.tune_metric}, mean over {len(rows)} rows"
          + (" (noise: the share of the noise-only dev set called speech at the rule's choice on all recordings)"
             if a.noise_caps else "") + ":")
    for name in rules:
        pairs = [(v[name], v["best"]) for _, _, v, _ in rows if v[name] is not None and v["best"] is not None]
        d = np.array([x - y for x, y in pairs]) * sign
        shares = [sh[name] for *_, sh in rows if sh[name] is not None]
        print(f"  {name:14s} {np.mean([x for x, _ in pairs]):.4f}  vs best: {d.mean():+.4f}, better on "
              f"{int((d > 1e-9).sum())}, worse on {int((d < -1e-9).sum())}"
              + (f"; noise {np.mean(shares):.1%}" if shares else ""))


if __name__ == "__main__":
    cli.run(main)
