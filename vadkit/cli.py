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


def setup_logging(level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%F %T")


def run(main: Callable[[Sequence[str] | None], object]) -> None:
    """Run a step script's main(): echo the command, turn InputError into one line + exit 1."""
    setup_logging()
    prog = os.path.relpath(sys.argv[0]) if sys.argv and sys.argv[0] else "script"
    if "-h" not in sys.argv[1:] and "--help" not in sys.argv[1:]:
        log.info("%s", " ".join(shlex.quote(a) for a in [prog, *sys.argv[1:]]))
    try:
        main(None)
    except InputError as e:
        print(f"{os.path.basename(prog)}: error: {e}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print(f"{os.path.basename(prog)}: interrupted", file=sys.stderr)
        sys.exit(130)
