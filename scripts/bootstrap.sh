#!/usr/bin/env bash
# Create .venv with a Python >= 3.12 and install the pinned stack. Idempotent: re-running with an
# unchanged pyproject.toml does nothing. pymc 6 / arviz 1.x need 3.12+; with 3.11 pip would silently
# resolve the old pymc 5 / arviz 0.x stack, so an older interpreter is never used.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
    local candidates=(python3.13 python3.12 python3 python)
    if command -v pyenv >/dev/null 2>&1; then
        local root
        root=$(pyenv root)
        for v in $(pyenv versions --bare 2>/dev/null | sort -rV); do
            candidates+=("$root/versions/$v/bin/python")
        done
    fi
    for c in "${candidates[@]}"; do
        if command -v "$c" >/dev/null 2>&1 &&
            "$c" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
            command -v "$c"
            return 0
        fi
    done
    return 1
}

# The page tests drive Debian's chromium (no browser download): install it when missing and root.
if [ ! -x /usr/bin/chromium ] && ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "bootstrap: installing chromium (apt-get) for the page tests"
        apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null
    else
        echo "bootstrap: chromium missing; the page tests need it: sudo apt-get install -y chromium" >&2
    fi
fi

# re-installed when the pins or the lock of every package change
stamp=.venv/.installed-$(cat pyproject.toml requirements.lock | sha256sum | cut -c1-16)
if [ -f "$stamp" ]; then
    exit 0
fi
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then
    if ! py=$(find_python); then
        echo "bootstrap: no Python >= 3.12 found (pymc 6 and arviz 1.x need it)." >&2
        echo "bootstrap: install one, e.g. 'pyenv install 3.12' or 'apt-get install python3.12 python3.12-venv', then re-run." >&2
        exit 2
    fi
    echo "bootstrap: creating .venv with $py ($("$py" --version))"
    rm -rf .venv
    "$py" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -c requirements.lock -e ".[test]"
rm -f .venv/.installed-*
touch "$stamp"
echo "bootstrap: environment ready in .venv"
