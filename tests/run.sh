#!/usr/bin/env bash
# Set up the project's environment (.venv: pinned packages + pytest) and run the test suite.
# e.g.: tests/run.sh              (everything, slow end-to-end tests included)
#       tests/run.sh -m "not slow" tests/eval/test_metrics.py
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
utils/setup_venv.sh requirements.txt requirements-test.txt
. ./path.sh
exec python -m pytest "$@"
