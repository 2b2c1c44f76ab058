"""The wrapper every step script uses: argument parser, logging set-up, InputError handling."""
from __future__ import annotations

import argparse
import logging
import os
import shlex
import sys
from typing import Callable, Sequence

from vadkit.errors import InputError

log = logging.getLogger(__name__)


def parser(doc: str) -> argparse.ArgumentParser:
    """An ArgumentParser whose description is the script's docstring (kept as written)."""
    return argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)


def bool_arg(value: str) -> bool:
    """argparse type for Kaldi-style booleans: exactly 'true' or 'false'."""
    if value not in ("true", "false"):
        raise argparse.ArgumentTypeError(f"expected true or false, got {value!r}")
    return value == "true"


def _optional(typ):
    def parse(value: str):
        return None if value.lower() in ("null", "none") else typ(value)
    parse.__name__ = typ.__name__
    return parse


def add_config_options(p: argparse.ArgumentParser, cls, title: str) -> None:
    """One --key-name option per field of config dataclass `cls` (default: keep the YAML's value)."""
    import dataclasses
    g = p.add_argument_group(title)
    for f in dataclasses.fields(cls):
        typ = {"int": int, "float": float, "bool": bool_arg}.get(str(f.type).split(" |")[0], float)
        if "None" in str(f.type):
            typ = _optional(typ)
        g.add_argument(f"--{f.name.replace('_', '-')}", dest=f"cfg_{f.name}", type=typ, default=argparse.SUPPRESS,
                       help=f"overrides {f.name} of the YAML" + (" (null: off)" if "None" in str(f.type) else ""))


def apply_config_options(cfg, args: argparse.Namespace):
    """A copy of cfg with the options given on the command line (add_config_options) applied."""
    import dataclasses
    given = {k[4:]: v for k, v in vars(args).items() if k.startswith("cfg_")}
    return dataclasses.replace(cfg, **given)


def setup_logging(level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%F %T")


def run(main: Callable[[Sequence[str] | None], object]) -> None:
    """Run a step script's main(): echo the command, turn InputError into one line + exit 1."""
    setup_logging(logging.INFO if os.environ.get("RANK", "0") == "0" else logging.WARNING)  # torchrun: one log
    prog = os.path.relpath(sys.argv[0]) if sys.argv and sys.argv[0] else "script"
    if "-h" not in sys.argv[1:] and "--help" not in sys.argv[1:]:
        log.info("%s", " ".join(shlex.quote(a) for a in [prog, *sys.argv[1:]]))
    try:
        status = main(None)
    except InputError as e:
        print(f"{os.path.basename(prog)}: error: {e}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print(f"{os.path.basename(prog)}: interrupted", file=sys.stderr)
        sys.exit(130)
    if isinstance(status, int) and not isinstance(status, bool) and status:
        sys.exit(min(status, 125))  # a count of failures, kept below the shell's 126+ meanings
