# Environment of the recipe: the project's virtualenv (created on first use), PYTHONPATH, locale.
# Sourced by run.sh and tests/run.sh after option parsing.
VAD_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
"$VAD_ROOT/utils/setup_venv.sh" "$VAD_ROOT/requirements.txt"
. "$VAD_ROOT/.venv/bin/activate"
export PYTHONPATH="$VAD_ROOT${PYTHONPATH:+:$PYTHONPATH}"
export LC_ALL=C
export PYTHONUNBUFFERED=1
export PYTHONDONTWRITEBYTECODE=1
