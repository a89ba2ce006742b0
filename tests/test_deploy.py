"""deploy/ stays true to the code: the compose file's and units' commands are real roles and commands, its
environment and the example secrets load into a valid configuration, nginx reaches every web process, and
the image copies every package. (Docker itself is not run here: the machine has no compose.)"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli.main import build_parser
from bot.config.loader import load_config
from bot.config.schema import config_problems
from bot.process import ROLES

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
QUNGONG_IMAGE = "qungong:latest"


def _compose() -> dict[str, Any]:
    """Return the parsed compose file."""
    data: dict[str, Any] = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))
    return data


def _qungong_services() -> dict[str, dict[str, Any]]:
    """Return the services that run the QunGong image."""
    return {name: s for name, s in _compose()["services"].items() if s.get("image") == QUNGONG_IMAGE}


SECRETS = {"TELEGRAM_MAIN__TOKEN": "123456789:AAExampleExampleExample", "AES_KEY": "a" * 43}


def _env_file(path: Path) -> dict[str, str]:
    """Read KEY=VALUE lines, the commented ones included and filled in, as a deployment would."""
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"#? ?([A-Z][A-Z0-9_]+)=(.*)", line)
        if match:
            key = match.group(1)
            found[key] = match.group(2) or next((v for k, v in SECRETS.items() if key.endswith(k)), "secret_value-1")
    return found


def _example_with_channels(folder: Path) -> Path:
    """Write config.example.toml with its example channels uncommented (their key lines only)."""
    lines, in_channels = [], False
    for line in (ROOT / "config.example.toml").read_text(encoding="utf-8").splitlines():
        in_channels = in_channels or line.startswith("# Channels:")
        uncomment = in_channels and re.match(r"# (\[\[channels\]\]|\[channels\.templates\]|[a-z_]+ = )", line)
        lines.append(line[2:] if uncomment else line)
    path = folder / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_every_qungong_service_runs_a_real_command() -> None:
    """Each QunGong container runs `run --role ROLE` with a known role, or `db upgrade`; every role but `all` runs."""
    parser = build_parser()
    roles = []
    for name, service in _qungong_services().items():
        command = service["command"]
        parser.parse_args(command)  # an unknown command or role exits
        if command[:2] == ["run", "--role"]:
            assert command[2] in ROLES, name
            roles.append(command[2])
        else:
            assert command == ["db", "upgrade"], name
    assert sorted(set(roles)) == ["scheduler", "sender", "web"]
    assert roles.count("scheduler") == 2 and roles.count("web") >= 2


def test_processes_wait_for_the_migration_and_nginx_reaches_every_web_process() -> None:
    """Every QunGong process starts after `migrate` succeeded; nginx's upstream lists each web service."""
    services = _qungong_services()
    for name, service in services.items():
        if service["command"] != ["db", "upgrade"]:
            assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name
    upstream = re.findall(r"server (\S+):8080", (DEPLOY / "nginx.conf").read_text(encoding="utf-8"))
    webs = [name for name, s in services.items() if s["command"] == ["run", "--role", "web"]]
    assert sorted(upstream) == sorted(webs)


@pytest.mark.parametrize("env_file", ["env.example", "systemd/qungong.env.example"])
def test_the_environment_loads_into_a_valid_configuration(env_file: str, tmp_path: Path) -> None:
    """The compose environment with the example secrets, over the example config with its channels, is valid."""
    service = next(iter(_qungong_services().values()))
    secrets = _env_file(DEPLOY / env_file)
    environment = {k: str(v).replace("${POSTGRES_PASSWORD}", secrets.get("POSTGRES_PASSWORD", "x")) for k, v in service["environment"].items()}
    env = {**environment, **{k: v for k, v in secrets.items() if k.startswith("QUNGONG_")}}
    env["QUNGONG_CONFIG"] = str(_example_with_channels(tmp_path))
    config = load_config(None, environ=env)
    assert [c.name for c in config.channels] == ["telegram:main", "wechat", "wecom"]
    assert config.limits.url.startswith("redis://") and config.storage.url.startswith("postgresql+asyncpg://")
    assert config_problems(config) == []


def test_the_image_copies_every_package() -> None:
    """The Dockerfile copies each package pyproject.toml installs, and the pinned constraints."""
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    packages = re.search(r'include = \[(.*?)\]', (ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert packages
    for package in re.findall(r'"(\w+)\*"', packages.group(1)):
        assert f"COPY {package} ./{package}" in dockerfile
    assert "constraints.txt" in dockerfile


def test_systemd_units_run_real_roles() -> None:
    """Each unit's ExecStart runs a known role; systemd finds nothing wrong but the absent install path."""
    parser = build_parser()
    units = sorted((DEPLOY / "systemd").glob("*.service"))
    assert len(units) == 3
    for unit in units:
        start = re.search(r"^ExecStart=\S+/qungong (.*)$", unit.read_text(encoding="utf-8"), flags=re.M)
        assert start, unit.name
        args = start.group(1).split()
        parser.parse_args(args)
        assert args[:2] == ["run", "--role"] and args[2] in ROLES
    verify = shutil.which("systemd-analyze")
    if verify is None:
        return
    done = subprocess.run([verify, "verify", *(str(u) for u in units)], capture_output=True, text=True, check=False)
    problems = [line for line in done.stderr.splitlines() if line.strip() and "is not executable" not in line]
    assert problems == [], problems


def _compose_available() -> str | None:
    """Return why Docker Compose cannot run here, or None when it can."""
    docker = shutil.which("docker")
    if docker is None:
        return "docker is not installed"
    if subprocess.run([docker, "compose", "version"], capture_output=True, check=False).returncode != 0:
        return "the docker compose plugin is not installed"
    if subprocess.run([docker, "info"], capture_output=True, check=False).returncode != 0:
        return "no Docker daemon answers"
    return None


def test_compose_starts_and_the_simulator_answers_through_nginx(tmp_path: Path) -> None:
    """`docker compose up` starts every service; /healthz and the simulator answer through nginx (needs Docker)."""
    missing = _compose_available()
    if missing is not None:
        pytest.skip(f"Docker Compose is not available: {missing}")
    (DEPLOY / ".env").write_text("POSTGRES_PASSWORD=compose-test\n", encoding="utf-8")
    config = DEPLOY / "config.local.toml"
    config.write_text('[app]\ndemo = true\n\n[web]\nsimulator = "on"\n', encoding="utf-8")
    compose = ["docker", "compose", "-f", str(DEPLOY / "docker-compose.yml"), "-p", "qungong-test"]
    try:
        subprocess.run([*compose, "up", "-d", "--build", "--wait"], check=True, timeout=900)
        import urllib.request

        with urllib.request.urlopen("http://127.0.0.1/healthz", timeout=10) as answer:  # noqa: S310 - the local nginx
            assert answer.status == 200
        with urllib.request.urlopen("http://127.0.0.1/", timeout=10) as answer:  # noqa: S310
            assert "sim" in answer.read().decode("utf-8", "replace")
    finally:
        subprocess.run([*compose, "down", "-v"], check=False, timeout=300)
        config.unlink(missing_ok=True)
        (DEPLOY / ".env").unlink(missing_ok=True)
