#!/usr/bin/env bash
# Prepare this checkout to run: system packages, .venv, Python requirements, translations.
#
# Safe to run again and again (`make run` and `make test` call it every time): each step only
# does work when something is missing or requirements.txt changed.
#
#   scripts/setup.sh [all|system-packages|venv]
#   PYTHON=python3.11 scripts/setup.sh     use another interpreter for the virtual environment
#   VENV=/path/to/venv scripts/setup.sh    put the virtual environment elsewhere
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
# fonts-noto-cjk and libharfbuzz-subset0: Chinese PDFs (WeasyPrint; without the harfbuzz
# subsetter one page takes ~15 s instead of ~0.25 s); chromium: the browser tests (Playwright
# drives Debian's build, never a downloaded one); gettext: compiling translations.
SYSTEM_PACKAGES=(fonts-noto-cjk fontconfig libharfbuzz-subset0 chromium gettext)

say() { printf '[setup] %s\n' "$*"; }
stop() { printf '[setup] %s\n' "$@" >&2; exit 1; }

installed() { dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null | grep -q '^ii'; }

system_packages() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    say "not a Debian/Ubuntu system: make sure these (or their equivalents) are installed: ${SYSTEM_PACKAGES[*]} and Python >= 3.11 with venv"
    return
  fi
  local missing=()
  local package
  for package in "${SYSTEM_PACKAGES[@]}"; do
    installed "$package" || missing+=("$package")
  done
  if ! command -v "$PYTHON" >/dev/null 2>&1; then
    missing+=(python3 python3-venv)
  elif ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    missing+=(python3-venv)  # Debian splits venv/ensurepip out of python3
  fi
  [ ${#missing[@]} -eq 0 ] && return

  if [ "$(id -u)" -ne 0 ]; then
    stop "Missing system packages: ${missing[*]}" \
      "Install them with:" \
      "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" \
      "then run this command again."
  fi
  say "installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Try with the package lists we have; refresh them only if that fails (empty or stale lists).
  if ! apt-get install -y "${missing[@]}"; then
    apt-get update
    apt-get install -y "${missing[@]}"
  fi
}

python_version() {
  "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
    || stop "$("$PYTHON" --version 2>&1) is too old: the project needs Python 3.11 or newer (set PYTHON=python3.11)."
}

virtualenv() {
  if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
    return
  fi
  say "creating the virtual environment in $VENV"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
}

requirements() {
  local stamp="$VENV/.requirements.sha256"
  local wanted
  wanted=$(sha256sum requirements.txt | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
    return
  fi
  say "installing requirements.txt into $VENV"
  "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -r requirements.txt
  echo "$wanted" >"$stamp"
}

translations() {
  # The project's catalogues (locale/ and any app's locale/), never the packages in .venv.
  if [ -n "$(find . -path "./$VENV" -prune -o -path ./.git -prune -o -path '*/locale/*' -name '*.po' -print -quit)" ]; then
    say "compiling translations"
    "$VENV/bin/python" manage.py compilemessages --verbosity 0 --ignore "$VENV" --ignore .git --ignore node_modules
  fi
}

case "${1:-all}" in
  system-packages) system_packages ;;
  venv) system_packages; python_version; virtualenv; requirements ;;
  all)
    system_packages
    python_version
    virtualenv
    requirements
    translations
    say "ready: $VENV ($("$VENV/bin/python" --version))"
    ;;
  *) stop "usage: $0 [all|system-packages|venv]" ;;
esac
