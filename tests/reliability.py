"""The reliability count the suite ends with (README, "Bad input"): one line saying how many kinds of bad input
got their one clear error and how many faults were survived in this run, from the tests marked `badinput` and
`fault` (pytest.ini).  A parametrized case counts once.  tests/conftest.py imports the two hooks."""
from __future__ import annotations

import pytest


RELIABILITY = ("badinput", "fault")   # pytest.ini: a kind of bad input, a fault the recipe survives
_MARKED = pytest.StashKey[dict]()


def pytest_collection_modifyitems(config, items):
    config.stash[_MARKED] = {item.nodeid: {m for m in RELIABILITY if item.get_closest_marker(m)} for item in items}


def reliability_outcomes(stats: dict, marked: dict) -> dict[str, str]:
    """{nodeid: passed | failed | skipped} of the marked tests that ran, from the terminal reporter's stats
    (a test failing in any phase is failed; a passed report is the call's)."""
    out: dict[str, str] = {}
    for key, outcome in (("failed", "failed"), ("error", "failed"), ("passed", "passed"), ("skipped", "skipped")):
        for rep in stats.get(key, []):
            if marked.get(getattr(rep, "nodeid", None)):
                out.setdefault(rep.nodeid, outcome)
    return out


@pytest.hookimpl(trylast=True)   # after the durations, near the end
def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """One line: how many kinds of bad input got their one clear error and how many faults were survived."""
    marked = config.stash.get(_MARKED, {})
    outcomes = reliability_outcomes(terminalreporter.stats, marked)
    if not outcomes:
        return
    passed = {m: sum(v == "passed" and m in marked[k] for k, v in outcomes.items()) for m in RELIABILITY}
    failed, skipped = (sum(v == o for v in outcomes.values()) for o in ("failed", "skipped"))
    terminalreporter.write_line(
        f"reliability: {passed['badinput']} kinds of bad input get one clear error, {passed['fault']} faults "
        f"survived (passed), {failed} failed" + (f", {skipped} skipped" if skipped else ""))
