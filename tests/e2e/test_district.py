"""A real district moves in: a fresh database, `qungong db upgrade`, the example district's imports,
`qungong district check` clean, then `qungong run` (not demo mode) serves it, and a resident's report in
the simulator reaches the grid member of the right grid — on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import BACKENDS, PAUSE, assert_clean, database
from tests.e2e.process import Server
from tests.e2e.simclient import SimClient
from tests.e2e.walks import report

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "yunxi"
CONFIG = '[app]\ndemo = false\n\n[web]\nsimulator = "on"\n'


def _rows(name: str) -> list[dict[str, str]]:
    """Return the rows of one of the example's CSV files."""
    with (EXAMPLE / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module", params=BACKENDS)
def district_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    """The example district imported with the qungong commands, served by `qungong run` with the simulator on."""
    folder = tmp_path_factory.mktemp(f"e2e-district-{request.param}")
    (folder / "config.toml").write_text(CONFIG, encoding="utf-8")
    with database(request.param, folder) as url:
        # The jieba dictionary cache of the demo servers' runs (built once per run, not once per module).
        cache = tmp_path_factory.getbasetemp() / "district-nlp-cache"
        server = Server(folder, url, config=folder / "config.toml", name="district", env={"QUNGONG_NLP__CACHE_DIR": str(cache)})
        server.qungong("db", "upgrade")
        server.qungong("district", "import-units", str(EXAMPLE / "units.geojson"))
        server.qungong("district", "import-departments", str(EXAMPLE / "departments.toml"))
        server.qungong("district", "import-places", str(EXAMPLE / "places.csv"))
        server.qungong("district", "import-people", str(EXAMPLE / "people.csv"), "--codes", str(folder / "codes.csv"))
        assert server.qungong("district", "check").stdout.strip().endswith("district check: clean")
        server.start()
        try:
            yield server, folder
        finally:
            server.stop()


def test_a_residents_report_reaches_the_grid_member_of_the_right_grid(district_server: tuple[Server, Path]) -> None:
    server, folder = district_server
    admin = next(r["name"] for r in _rows("people.csv") if r["role"] == "admin")
    link = server.qungong("simulator", "link", "--person", admin, "--allow-new").stdout
    code = re.search(r"code=([A-Za-z0-9_\-]+)", link)
    assert code is not None, link
    token = SimClient(server.base).call("POST", "/sim/api/login", {"code": code.group(1)})["token"]
    sim = SimClient(server.base, pause=PAUSE, token=token)
    place = next(r for r in _rows("places.csv") if r["kind"] == "compound" and r["name"] == "铁路新村")
    invite = next(r["code"] for r in _rows_of(folder / "codes.csv") if r["role"] == "grid_member" and r["unit"] == place["grid"])
    bound = sim.say("new:member", f"绑定 {invite}")
    assert "绑定成功" in sim.text(bound), sim.text(bound)
    number = report(sim, "new:resident", "楼道里堆满了杂物和纸箱，邻居说了也不清理", "铁路宿舍3栋")
    pushed = sim.wait_for("new:member", f"【新派单】{number}")
    assert number in str(pushed["text"])
    time.sleep(0.2)
    assert_clean(server)


def _rows_of(path: Path) -> list[dict[str, str]]:
    """Return the rows of a CSV file."""
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))
