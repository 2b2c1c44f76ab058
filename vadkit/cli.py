"""The wrapper every step script uses: argument parser (the command-line conventions, deprecated spellings),
logging set-up, InputError handling."""
from __future__ import annotations

import argparse
import logging
import os
import shlex
import signal
import sys
from typing import Callable, Sequence

from vadkit.errors import InputError, disk_full_reason

log = logging.getLogger(__name__)


def parser(doc: str) -> Parser:
    """A Parser whose description is the script's docstring (kept as written)."""
    return Parser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)


def bool_arg(value: str) -> bool:
    """argparse type for Kaldi-style booleans: exactly 'true' or 'false'."""
    if value not in ("true", "false"):
        raise argparse.ArgumentTypeError(f"expected true or false, got {value!r}")
    return value == "true"


def positive_int(value: str) -> int:
    """argparse type for a count such as --nj: a positive integer (the message names the value)."""
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, not {value!r}")
    return int(value)


def words(value: str) -> list[str]:
    """argparse type for a list option: one space-separated argument, e.g. --sets "dev test"."""
    return value.split()


class Parser(argparse.ArgumentParser):
    """argparse with the recipe's command-line conventions (README, "Layout"): booleans take true or
    false (add_bool), lists are one space-separated argument (add_list), and a spelling a script used to
    accept keeps working for one release with a one-line warning (rename, to_positional)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._renamed: dict[str, str] = {}         # old option -> its new name
        self._moved: dict[str, str] = {}           # old option -> "first" or "last" positional
        self._bools: set[str] = set()              # given bare (old flag style): true
        self._lists: set[str] = set()              # given comma-separated (old style): split

    def add_bool(self, *names: str, default: bool = False, **kwargs) -> argparse.Action:
        """A true/false option; the bare option (the old flag) still means true, with a warning."""
        self._bools.update(names)
        return self.add_argument(*names, type=bool_arg, default=default, metavar="true|false", **kwargs)

    def add_list(self, *names: str, **kwargs) -> argparse.Action:
        """A space-separated list option; a comma-separated value (the old style) still works, with a warning."""
        self._lists.update(names)
        return self.add_argument(*names, type=words, **kwargs)

    def rename(self, old: str, new: str) -> None:
        """Accept option `old` as `new` for one release."""
        self._renamed[old] = new

    def to_positional(self, old: str, where: str) -> None:
        """Accept option `old VALUE` for one release as VALUE at the "first" or "last" positional place."""
        self._moved[old] = where

    def format_help(self) -> str:
        old = [f"{o} (now {n})" for o, n in self._renamed.items()]
        old += [f"{o} X (now X as the {w} argument)" for o, w in self._moved.items()]
        old += [f"bare {o} (now {o} true)" for o in sorted(self._bools)]
        old += [f"{o} A,B (now {o} \"A B\")" for o in sorted(self._lists)]
        text = super().format_help()
        return text + (f"\ndeprecated, accepted until the next release: {'; '.join(old)}\n" if old else "")

    def parse_known_args(self, args=None, namespace=None):
        args = sys.argv[1:] if args is None else [str(a) for a in args]
        return super().parse_known_args(self._upgrade(args), namespace)

    def _deprecated(self, old: str, fix: str) -> None:
        log.warning("%s: %s is deprecated (accepted until the next release); %s", self.prog, old, fix)

    def _upgrade(self, args: list[str]) -> list[str]:
        """args with every deprecated spelling rewritten to the current one (a warning each)."""
        out: list[str] = []
        last: list[str] = []
        i = 0
        while i < len(args):
            a = args[i]
            if a == "--":
                out += args[i:]
                break
            name, eq, value = a.partition("=") if a.startswith("--") else (a, "", "")
            if name in self._renamed:
                self._deprecated(name, f"use {self._renamed[name]}")
                name = self._renamed[name]
            has_value = bool(eq) or i + 1 < len(args)
            value = value if eq else (args[i + 1] if i + 1 < len(args) else "")
            step = 1 if eq else 2
            if name in self._moved and has_value:
                self._deprecated(f"{name} {value}", f"give {value} as the {self._moved[name]} argument")
                (last if self._moved[name] == "last" else out).append(value)
            elif name in self._bools and not eq and value not in ("true", "false"):
                self._deprecated(f"{name} without true/false", f"write {name} true")
                out += [name, "true"]
                step = 1
            elif name in self._lists and has_value and "," in value:
                self._deprecated(f"{name} {value} (commas)", f"write {name} \"{value.replace(',', ' ')}\"")
                out += [name, value.replace(",", " ")]
            else:
                out.append(name + eq + (value if eq else ""))
                step = 1
            i += step
        return out + last


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
        typ = {"int": int, "float": float, "bool": bool_arg, "str": str}.get(str(f.type).split(" |")[0], float)
        if "None" in str(f.type):
            typ = _optional(typ)
        g.add_argument(f"--{f.name.replace('_', '-')}", dest=f"cfg_{f.name}", type=typ, default=argparse.SUPPRESS,
                       help=f"overrides {f.name} of the YAML" + (" (null: off)" if "None" in str(f.type) else ""))


def apply_config_options(cfg, args: argparse.Namespace):
    """A copy of cfg with the options given on the command line (add_config_options) applied."""
    import dataclasses
    given = {k[4:]: v for k, v in vars(args).items() if k.startswith("cfg_")}
    try:
        return dataclasses.replace(cfg, **given)
    except ValueError as e:  # the config's own range checks: name the options
        raise InputError(f"{e} (options {' '.join('--' + k.replace('_', '-') for k in given)})") from None


def setup_logging(level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%F %T")


def run(main: Callable[[Sequence[str] | None], object]) -> None:
    """Run a step script's main(): echo the command, turn InputError (and a full disk) into one line + exit 1."""
    setup_logging(logging.INFO if os.environ.get("RANK", "0") == "0" else logging.WARNING)  # torchrun: one log
    prog = os.path.relpath(sys.argv[0]) if sys.argv and sys.argv[0] else "script"
    if "-h" not in sys.argv[1:] and "--help" not in sys.argv[1:]:
        log.info("%s", " ".join(shlex.quote(a) for a in [prog, *sys.argv[1:]]))
    try:
        status = main(None)
    except InputError as e:
        print(f"{os.path.basename(prog)}: error: {e}", file=sys.stderr)
        sys.exit(1)
    except BrokenPipeError:   # the reader left (`... | head`): stop quietly, as shell tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())   # no second error flushing stdout
        sys.exit(128 + signal.SIGPIPE)
    except OSError as e:   # a full disk the package did not name (a library's own file, stdout): one line too
        reason = disk_full_reason(e)
        if reason is None:
            raise
        print(f"{os.path.basename(prog)}: error: disk full while writing {e.filename or 'an output'} ({reason}); "
              "free space on its disk or choose another dir", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt as e:  # Ctrl-C, or errors.Interrupted (SIGTERM too) saying what was kept
        signal.signal(signal.SIGINT, signal.SIG_IGN)   # more Ctrl-C while exiting: no traceback
        print(f"{os.path.basename(prog)}: interrupted" + (f"; {e}" if str(e) else ""), file=sys.stderr)
        sys.exit(128 + getattr(e, "signum", signal.SIGINT))
    if isinstance(status, int) and not isinstance(status, bool) and status:
        sys.exit(min(status, 125))  # a count of failures, kept below the shell's 126+ meanings
