"""The one exception type for user mistakes (bad input, bad options, missing files)."""


class InputError(Exception):
    """A problem the user can fix.  The message names the file (and line), says what is wrong
    and how to fix it; step scripts print it as one line and exit 1, without a traceback."""


class Interrupted(KeyboardInterrupt):
    """SIGINT (Ctrl-C) or SIGTERM stopped the work.  The message says what was kept; step scripts
    print it as one line and exit 128 + signum (130 for SIGINT, 143 for SIGTERM), without a traceback."""

    def __init__(self, message: str = "", signum: int = 2):
        super().__init__(message)
        self.signum = signum
