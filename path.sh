# Environment of the recipe: the project's virtualenv, PYTHONPATH, locale. Only sets variables: run.sh and
# tests/run.sh create or update .venv first (utils/setup_venv.sh), after option parsing.
VAD_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export VIRTUAL_ENV="$VAD_ROOT/.venv"
export PATH="$VIRTUAL_ENV/bin:$PATH"
export PYTHONPATH="$VAD_ROOT${PYTHONPATH:+:$PYTHONPATH}"
export LC_ALL=C
export PYTHONUNBUFFERED=1
export PYTHONDONTWRITEBYTECODE=1
