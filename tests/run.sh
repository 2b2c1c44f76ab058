#!/usr/bin/env bash
# Set up the project's environment (.venv: pinned packages + pytest) and run the test suite.
# e.g.: tests/run.sh              (everything, slow end-to-end tests included)
#       tests/run.sh -m "not slow" tests/eval/test_metrics.py
#       tests/run.sh -n 0 --pdb tests/eval/test_metrics.py   (one process: a debugger needs it)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
utils/setup_venv.sh requirements.txt requirements-test.txt
. ./path.sh
# One OpenMP thread per process unless the caller chose: the tests' models are tiny and the workers and the
# recipe's jobs already fill the cores; more threads spin against each other (a decode of a tiny dev set: 1.5
# CPU s with one thread, 5-10 s with two). Results do not depend on it (tests/train/test_determinism.py).
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
# Two pytest-xdist workers, a test file whole on one of them (its module fixtures are built once), files in
# the order tests/conftest.py gives (slow end-to-end files first); a later -n in "$@" overrides -n 2.
exec python -m pytest -n 2 --dist loadfile --no-loadscope-reorder "$@"
