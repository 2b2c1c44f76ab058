#!/usr/bin/env -S sh -c 'p="${0%/*}/../../.venv/bin/python"; [ -x "$p" ] || p=python3; exec "$p" "$0" "$@"'
"""The ablation loop's two Python steps (local/ablation/run_ablation.sh calls them).

  conf VARIANT OUT_CONF_DIR   write the recipe's conf/ with VARIANT's changes into OUT_CONF_DIR:
                              every conf/*.yaml copied, the changed files rewritten, and the
                              variant's model config as OUT_CONF_DIR/<variant>.yaml (so the model,
                              its exp dir and its table row carry the variant's name)
  table ROOT                  one row per variant under ROOT (mean over seeds when there are
                              several): the real-meeting dev and test scores, the corpus's own
                              test, training time; printed and written to ROOT/ablation.md

A variant lists its changes as {conf file: {key: value}} (nested keys merge), in local/ablation/ablation.yaml,
over the file's `base:` changes (the settings the ablation started from, so it reproduces after the
recipe's defaults move to its winners);
the entry `run.sh: {option: value}` passes options to ./run.sh instead (`options VARIANT` prints them).
A file that does not exist fails here; a misspelt key fails when the recipe loads the config.

e.g.: local/ablation/ablation.py conf fill300 exp/ablation/fill300/conf
      local/ablation/ablation.py table exp/ablation
"""
from __future__ import annotations

from pathlib import Path

from vadkit import cli, io
from vadkit.errors import InputError
from vadkit.eval.ablation import format_markdown, load_variants, table_rows, write_conf


def main(argv=None):
    p = cli.parser(__doc__)
    p.add_argument("--config", default="local/ablation/ablation.yaml", help="the variants (default: %(default)s)")
    p.add_argument("--src", default="conf", help="conf dir the variants change (default: %(default)s)")
    p.add_argument("command", choices=("conf", "options", "table", "list"))
    p.add_argument("args", nargs="*")
    a = p.parse_args(argv)
    if a.command == "list":
        print(" ".join(load_variants(a.config)["variants"]))
    elif a.command == "options":
        if len(a.args) != 1:
            p.error("options takes VARIANT")
        opts = (load_variants(a.config)["variants"].get(a.args[0]) or {}).get("run.sh") or {}
        print(" ".join(f"--{k.replace('_', '-')} {v}" for k, v in opts.items()))
    elif a.command == "conf":
        if len(a.args) != 2:
            p.error("conf takes VARIANT OUT_CONF_DIR")
        write_conf(a.config, a.args[0], a.src, a.args[1])
    else:
        if len(a.args) != 1:
            p.error("table takes ROOT (e.g. exp/ablation)")
        rows = table_rows(a.args[0], list(load_variants(a.config)["variants"]))
        if not rows:
            raise InputError(f"{a.args[0]}: no trained variant (<variant>/exp/<variant>*/history.json)")
        text = format_markdown(rows)
        with io.atomic_write(Path(a.args[0]) / "ablation.md") as tmp:
            tmp.write_text(text + "\n")
        print(text)


if __name__ == "__main__":
    cli.run(main)
