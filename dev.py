#!/usr/bin/env python3
"""Set up the project's virtual environment on demand, then run QunGong or its tests.

    python3 dev.py run     # the demo district on SQLite with the web chat simulator
    python3 dev.py test    # the whole test suite
    python3 dev.py lint    # ruff and mypy
    python3 dev.py qungong ARGS...   # any qungong command inside the environment
    python3 dev.py lock    # resolve the dependencies afresh into constraints.txt (then commit it)

The environment installs the versions pinned in constraints.txt, so a fresh clone next month gets what
passed today; `lock` moves the pins forward on purpose.

Only the Python standard library is used here, so a fresh clone needs nothing but Python 3.11+.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
CONSTRAINTS = ROOT / "constraints.txt"
STAMP = VENV / ".qungong-installed"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def _requirements_digest() -> str:
    """Return a digest of what decides the installed packages."""
    pins = CONSTRAINTS.read_bytes() if CONSTRAINTS.exists() else b""
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + pins).hexdigest()


def ensure_environment() -> None:
    """Create .venv and install the project with its dev extras when pyproject.toml changed."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this script may be started by an older Python
        sys.exit("QunGong needs Python 3.11 or newer; this is " + sys.version.split()[0])
    digest = _requirements_digest()
    if STAMP.exists() and STAMP.read_text().strip() == digest:
        return
    if not (BIN / "python").exists():
        print("dev.py: creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    pip = [str(BIN / "python"), "-m", "pip", "--disable-pip-version-check"]
    print("dev.py: installing QunGong and its dependencies into .venv ...", flush=True)
    subprocess.run([*pip, "install", "--quiet", "--upgrade", "pip"], check=True)
    pinned = ["-c", str(CONSTRAINTS)] if CONSTRAINTS.exists() else []
    subprocess.run([*pip, "install", "--quiet", "-e", f"{ROOT}[dev]", *pinned], check=True)
    STAMP.write_text(digest)


def lock() -> int:
    """Resolve the dependencies afresh in a scratch environment and write their versions to constraints.txt."""
    with tempfile.TemporaryDirectory(prefix="qungong-lock-") as folder:
        scratch = Path(folder) / "venv"
        venv.EnvBuilder(with_pip=True).create(scratch)
        python = str(scratch / ("Scripts" if os.name == "nt" else "bin") / "python")
        subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", f"{ROOT}[dev]"], check=True)
        frozen = subprocess.run(
            [python, "-m", "pip", "freeze", "--exclude-editable", "--disable-pip-version-check"], check=True, capture_output=True, text=True
        ).stdout
    header = "# Versions the test suite passed with; dev.py and CI install these. Regenerate: python3 dev.py lock\n"
    CONSTRAINTS.write_text(header + frozen)
    print(f"dev.py: wrote {len(frozen.splitlines())} pins to {CONSTRAINTS.name}")
    return 0


def _exec(argv: list[str]) -> int:
    """Run a command inside the environment and return its exit code."""
    return subprocess.call(argv, cwd=ROOT)


def main(args: list[str]) -> int:
    """Dispatch the dev.py sub-command."""
    command, rest = (args[0], args[1:]) if args else ("run", [])
    if command == "lock":
        return lock()
    ensure_environment()
    if command == "run":
        return _exec([str(BIN / "qungong"), "run", *rest])
    if command == "test":
        return _exec([str(BIN / "python"), "-m", "pytest", *rest])
    if command == "lint":
        code = _exec([str(BIN / "ruff"), "check", "."])
        return code or _exec([str(BIN / "mypy")])
    if command == "qungong":
        return _exec([str(BIN / "qungong"), *rest])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
