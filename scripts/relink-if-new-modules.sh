#!/usr/bin/env bash
# Re-link the strict editable install when modules were added or removed (see the Makefile).
# The folders are the ones pyproject.toml maps to packages, so a new package folder counts too.
set -euo pipefail
bin=$1
folders=$("$bin/python" -c 'import tomllib; print(*sorted(set(tomllib.load(open("pyproject.toml", "rb"))["tool"]["setuptools"]["package-dir"].values())))')
# shellcheck disable=SC2086  # one word per folder
now=$(find $folders -type f \( -name '*.py' -o -name '*.json' -o -name '*.yaml' -o -name 'py.typed' \) 2>/dev/null | sort | md5sum)
stamp="$bin/../.modules"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$now" ]; then
  "$bin/pip" install -q --no-deps --no-build-isolation -e . --config-settings editable_mode=strict 2>&1 | grep -v '^WARNING: Location' || true
  echo "$now" > "$stamp"
fi
