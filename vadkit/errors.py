"""The one exception type for user mistakes (bad input, bad options, missing files)."""


class InputError(Exception):
    """A problem the user can fix.  The message names the file (and line), says what is wrong
    and how to fix it; step scripts print it as one line and exit 1, without a traceback."""
