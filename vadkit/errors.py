"""The one exception type for user mistakes (bad input, bad options, missing files), and its kin."""
from __future__ import annotations

import errno
import os

# No space left on the device, or the user's quota used up: the user frees space or writes elsewhere.
DISK_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)


class InputError(Exception):
    """A problem the user can fix.  The message names the file (and line), says what is wrong
    and how to fix it; step scripts print it as one line and exit 1, without a traceback."""


class DiskFull(InputError):
    """The disk filled up (or a quota ran out) while an output was written.  The message names the
    output; nothing half-written is left under its name.  Work over many inputs stops at once on it
    (the next output would fail too) instead of counting it as one input's failure."""


class Interrupted(KeyboardInterrupt):
    """SIGINT (Ctrl-C) or SIGTERM stopped the work.  The message says what was kept; step scripts
    print it as one line and exit 128 + signum (130 for SIGINT, 143 for SIGTERM), without a traceback."""

    def __init__(self, message: str = "", signum: int = 2):
        super().__init__(message)
        self.signum = signum


def disk_full_reason(e: BaseException) -> str | None:
    """"No space left on device" (or the quota's message) when `e` says the disk is full, else None.
    h5py raises OSError with the HDF5 error stack as its text, so its `errno = 28` counts too."""
    if not isinstance(e, OSError):
        return None
    if e.errno in DISK_FULL_ERRNOS:
        return os.strerror(e.errno)
    return next((os.strerror(n) for n in DISK_FULL_ERRNOS if f"errno = {n}," in str(e)), None)
