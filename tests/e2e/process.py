"""`qungong run` as a process of its own, on a fresh database and a free port, and commands beside it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

BIN = Path(sys.executable).parent
QUNGONG = str(BIN / "qungong")
START_TIMEOUT = 90.0


def free_port() -> int:
    """Return a TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get_json(url: str, timeout: float = 10.0) -> object:
    """GET a URL and decode its JSON."""
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - a local test server
        return json.loads(response.read().decode())


class Server:
    """One `qungong run` process: its folder, database, port, log, and qungong commands against the same database."""

    def __init__(
        self, folder: Path, db_url: str, *, config: Path | None = None, env: dict[str, str] | None = None, name: str = "server", role: str = "all"
    ) -> None:
        self.folder = folder
        self.role = role
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = folder / f"{name}.log"
        self.env = {
            **os.environ,
            "QUNGONG_STORAGE__URL": db_url,
            "QUNGONG_WEB__PORT": str(self.port),
            "QUNGONG_REPORTS__FOLDER": str(folder / "reports"),
            "QUNGONG_NLP__CACHE_DIR": str(folder / "nlp-cache"),
            **(env or {}),
        }
        self.env.pop("QUNGONG_CONFIG", None)
        if config is not None:
            self.env["QUNGONG_CONFIG"] = str(config)
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> Server:
        """Start the process and wait until it is ready: /healthz answers (web roles) or it says it runs."""
        log = self.log_path.open("ab")
        self._process = subprocess.Popen([QUNGONG, "run", "--role", self.role], cwd=self.folder, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"qungong run exited with {self._process.returncode}:\n{self.log()[-3000:]}")
            if self._ready():
                return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"qungong run did not answer on {self.base} within {START_TIMEOUT} s:\n{self.log()[-3000:]}")

    def _ready(self) -> bool:
        """Tell whether the process is ready."""
        if self.role not in ("all", "web"):
            return f"running as {self.role}" in self.log()
        try:
            return get_json(f"{self.base}/healthz", timeout=2) == {"status": "ok"}
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def stop(self) -> None:
        """Stop the process as Ctrl+C would, and wait for it."""
        if self._process is None or self._process.poll() is not None:
            return
        self._process.send_signal(signal.SIGTERM)
        try:
            self._process.wait(20)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(5)

    def kill(self) -> None:
        """Kill the process at once (a crash)."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait(5)

    def qungong(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a qungong command against the same configuration and database."""
        done = subprocess.run([QUNGONG, *args], check=False, cwd=self.folder, env=self.env, capture_output=True, text=True, timeout=120)
        if check and done.returncode != 0:
            raise AssertionError(f"qungong {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
        return done

    def log(self) -> str:
        """Return what the process printed so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def error_lines(self) -> list[str]:
        """Return the ERROR and CRITICAL lines of the log, and any traceback."""
        return [line for line in self.log().splitlines() if " ERROR " in line or " CRITICAL " in line or line.startswith("Traceback")]
