"""The reliability count the suite ends with (README, "Bad input"): one line saying how many kinds of bad input
got their one clear error and how many faults were survived in this run, from the tests marked `badinput` and
`fault` (pytest.ini).  A parametrized case counts once.  tests/conftest.py imports the two hooks."""
from __future__ import annotations

import pytest


RELIABILITY = ("badinput", "fault")   # pytest.ini: a kind of bad input, a fault the recipe survives


def reliability_outcomes(stats: dict) -> dict[str, tuple[str, set[str]]]:
    """{nodeid: (passed | failed | skipped, its reliability marks)} of the marked tests that ran, from the
    terminal reporter's stats (a test failing in any phase is failed; a passed report is the call's).  The
    marks come from each report's keywords, so the count is right under pytest-xdist too (its controller
    collects nothing)."""
    out: dict[str, tuple[str, set[str]]] = {}
    for key, outcome in (("failed", "failed"), ("error", "failed"), ("passed", "passed"), ("skipped", "skipped")):
        for rep in stats.get(key, []):
            marks = {m for m in RELIABILITY if m in getattr(rep, "keywords", {})}
            if marks:
                out.setdefault(rep.nodeid, (outcome, marks))
    return out


@pytest.hookimpl(trylast=True)   # after the durations, near the end
def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """One line: how many kinds of bad input got their one clear error and how many faults were survived."""
    outcomes = reliability_outcomes(terminalreporter.stats)
    if not outcomes:
        return
    passed = {m: sum(o == "passed" and m in marks for o, marks in outcomes.values()) for m in RELIABILITY}
    failed, skipped = (sum(o == k for o, _ in outcomes.values()) for k in ("failed", "skipped"))
    terminalreporter.write_line(
        f"reliability: {passed['badinput']} kinds of bad input get one clear error, {passed['fault']} faults "
        f"survived (passed), {failed} failed" + (f", {skipped} skipped" if skipped else ""))
