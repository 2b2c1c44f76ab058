#!/usr/bin/env bash
# Create or update the project's .venv from pinned requirement files; a no-op when up to date.
set -euo pipefail

if [ $# -lt 1 ] || [ "$1" = "--help" ]; then
  echo "Usage: utils/setup_venv.sh <requirements.txt> [more.txt ...]
Creates <project>/.venv with \${PYTHON:-python3} (3.10+) and pip-installs the files; re-installs only
when a file changed since the last install.
e.g.: utils/setup_venv.sh requirements.txt requirements-test.txt" >&2
  [ $# -ge 1 ] && exit 0
  exit 1
fi
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=$root/.venv
python=${PYTHON:-python3}

# Several checkouts or jobs may set up one .venv at once: pip runs must not overlap.
lock=$(readlink -f "$venv" 2>/dev/null || echo "$venv").lock
if command -v flock >/dev/null; then
  exec 9>"$lock"
  flock 9
fi

if [ ! -x "$venv/bin/python" ]; then
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
    echo "setup_venv.sh: $python is missing or older than 3.10; install Python 3.10+ or set PYTHON=/path/to/python3" >&2
    exit 1
  fi
  echo "setup_venv.sh: creating $venv (first run; installs torch (CPU) and the other pinned packages)" >&2
  "$python" -m venv "$venv"
fi
for req in "$@"; do
  stamp=$venv/.installed.$(basename "$req")
  if [ -f "$stamp" ] && cmp -s "$req" "$stamp"; then
    continue
  fi
  echo "setup_venv.sh: installing $req into $venv" >&2
  # -r with a relative include (-r requirements.txt) resolves from the file's directory
  (cd "$(dirname "$req")" && "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$(basename "$req")")
  cp "$req" "$stamp"
done
# Scripts called straight from a shell (local/score.py exp/*, no path.sh) run on this venv's python
# (their first line) and find vadkit in this checkout through a .pth file.  A venv linked from another
# checkout (a copy of the recipe) keeps pointing at its own.
if [ ! -L "$venv" ]; then
  site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  if [ "$(cat "$site/vadkit-recipe.pth" 2>/dev/null)" != "$root" ]; then
    echo "$root" > "$site/vadkit-recipe.pth"
  fi
fi
