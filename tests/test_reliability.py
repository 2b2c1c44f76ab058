"""The reliability count line (tests/reliability.py): counted from what passed, failed and was skipped."""
pytest_plugins = ["pytester"]

TESTS = '''
import pytest

@pytest.mark.badinput
@pytest.mark.parametrize("x", [1, 2, 3])
def test_bad(x):
    assert x != 3

@pytest.mark.fault
def test_fault():
    pass

@pytest.mark.fault
@pytest.mark.skipif(True, reason="not here")
def test_fault_elsewhere():
    pass

@pytest.mark.badinput
@pytest.mark.fault
def test_both():
    pass

def test_plain():
    pass
'''


def test_the_count_line(pytester):
    pytester.makeconftest("from reliability import pytest_terminal_summary\n")
    pytester.makeini("[pytest]\nmarkers =\n    badinput: bad input\n    fault: a fault\n")
    pytester.makepyfile(test_it=TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=5, failed=1, skipped=1)
    result.stdout.fnmatch_lines(["reliability: 3 kinds of bad input get one clear error, 2 faults survived "
                                 "(passed), 1 failed, 1 skipped"])
    assert "reliability:" not in pytester.runpytest("-p", "no:cacheprovider", "-k", "plain").stdout.str()


def test_the_count_line_under_xdist(pytester):
    """tests/run.sh runs two xdist workers: the controller collects nothing, the marks come with the reports."""
    import reliability
    pytester.makeconftest(f"import sys; sys.path.insert(0, {str(__import__('pathlib').Path(reliability.__file__).parent)!r})\n"
                          "from reliability import pytest_terminal_summary\n")
    pytester.makeini("[pytest]\nmarkers =\n    badinput: bad input\n    fault: a fault\n")
    pytester.makepyfile(test_it=TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    result.stdout.fnmatch_lines(["reliability: 3 kinds of bad input get one clear error, 2 faults survived "
                                 "(passed), 1 failed, 1 skipped"])
