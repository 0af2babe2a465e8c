"""The operator SQL: the TICKIT schema and load run on a real MySQL-compatible server (the
same statements operators get, with LOAD DATA LOCAL INFILE for FROM S3); the Redshift
queries parse with sqlglot's redshift dialect."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Iterator

import pytest
import sqlglot
from sqlglot import exp

from tests.harness import Synthesized
from zeroetl.render.runbook import render_runbook, render_source_sql

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "data" / "tickit"
MARIADBD = shutil.which("mariadbd") or shutil.which("mysqld")


def _client(socket: Path, sql: str) -> str:
    done = subprocess.run(
        ["mariadb", "--no-defaults", "-S", str(socket), "-u", "root", "--local-infile=1", "--batch", "--skip-column-names"],
        input=sql, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def mariadb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    if MARIADBD is None:
        pytest.skip("no MariaDB/MySQL server on this machine: scripts/setup installs one where it runs as root with apt-get")
    base = tmp_path_factory.mktemp("mariadb")
    data, socket = base / "data", base / "mysqld.sock"
    subprocess.run(
        ["mariadb-install-db", "--no-defaults", f"--datadir={data}", "--user=root", "--auth-root-authentication-method=normal", "--skip-test-db"],
        check=True, capture_output=True, timeout=300,
    )
    server = subprocess.Popen(
        [MARIADBD, "--no-defaults", f"--datadir={data}", f"--socket={socket}", "--skip-networking", "--user=root",
         "--local-infile=1", f"--pid-file={base / 'mysqld.pid'}", f"--log-error={base / 'error.log'}"],
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if socket.exists() and subprocess.run(["mariadb", "--no-defaults", "-S", str(socket), "-u", "root", "-e", "SELECT 1"], capture_output=True).returncode == 0:
                break
            time.sleep(0.5)
        else:
            pytest.fail(f"MariaDB did not start: {(base / 'error.log').read_text()}")
        yield socket
    finally:
        server.terminate()
        server.wait(timeout=60)


@pytest.fixture(scope="module")
def loaded(mariadb: Path, default_synth: Synthesized) -> Path:
    env = default_synth.catalog.environments[0]
    sql = render_source_sql(env, env.sources[0], load_from=lambda name: f"LOCAL INFILE '{SAMPLE / name}'")
    _client(mariadb, sql["tickit-schema.sql"])
    _client(mariadb, sql["tickit-load.sql"])
    return mariadb


def test_every_tickit_table_has_a_primary_key_and_innodb(loaded: Path) -> None:
    rows = _client(loaded, """
        SELECT t.table_name, t.engine, COUNT(k.constraint_name)
        FROM information_schema.tables t
        LEFT JOIN information_schema.table_constraints k
          ON k.table_schema = t.table_schema AND k.table_name = t.table_name AND k.constraint_type = 'PRIMARY KEY'
        WHERE t.table_schema = 'demodb' GROUP BY t.table_name, t.engine ORDER BY t.table_name;
    """).split("\n")
    tables = [line.split("\t") for line in rows if line]
    assert [t[0] for t in tables] == ["category", "date", "event", "listing", "sales", "users", "venue"]
    assert all(engine == "InnoDB" and keys == "1" for _, engine, keys in tables)


def test_load_converts_the_sample_formats(loaded: Path) -> None:
    counts = _client(loaded, "USE demodb; SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM venue), (SELECT COUNT(*) FROM sales), (SELECT COUNT(*) FROM listing);")
    assert counts.split() == ["3", "2", "3", "3"]
    assert _client(loaded, "SELECT saletime FROM demodb.sales WHERE salesid = 1;").strip() == "2008-02-18 02:36:48"
    likes = _client(loaded, "SELECT likesports, liketheatre, likeconcerts FROM demodb.users WHERE userid = 1;").split("\t")
    assert [v.strip() for v in likes] == ["1", "0", "NULL"]
    assert _client(loaded, "SELECT IFNULL(venueseats, 'NULL') FROM demodb.venue WHERE venueid = 2;").strip() == "NULL"
    assert _client(loaded, "SELECT holiday FROM demodb.date WHERE dateid = 1827;").strip() == "1"


def test_aurora_and_local_loads_are_the_same_statements(default_synth: Synthesized) -> None:
    env = default_synth.catalog.environments[0]
    aurora = render_source_sql(env, env.sources[0])["tickit-load.sql"]
    local = render_source_sql(env, env.sources[0], load_from=lambda name: f"LOCAL INFILE '{name}'")
    strip = lambda text: re.sub(r"LOAD DATA (FROM S3 '[^']*/|LOCAL INFILE ')", "LOAD DATA '", text)
    assert strip(aurora) == strip(local["tickit-load.sql"])
    assert aurora.count("LOAD DATA FROM S3 's3-us-east-1://redshift-downloads/tickit/") == 7


def _statements(text: str) -> list[exp.Expression]:
    # A trailing comment comes back as a bare Semicolon node: not a statement.
    parsed = sqlglot.parse(text, read="redshift", error_level=sqlglot.ErrorLevel.RAISE)
    return [s for s in parsed if s is not None and not isinstance(s, exp.Semicolon)]


@pytest.mark.parametrize("which", ["default", "fleet"])
def test_redshift_queries_parse(which: str, request: pytest.FixtureRequest) -> None:
    synth: Synthesized = request.getfixturevalue(f"{which}_synth")
    for env in synth.catalog.environments:
        files = render_runbook(synth.catalog, env, "catalog.yaml")
        monitoring = _statements(files["monitoring.sql"])
        assert len(monitoring) == 3 and all(isinstance(s, exp.Select) for s in monitoring)
        tables = {t.name.lower() for s in monitoring for t in s.find_all(exp.Table)}
        assert tables == {"svv_integration", "sys_integration_activity", "svv_integration_table_state"}
        # sqlglot has no grammar for ALTER DATABASE ... INTEGRATION: it keeps each statement
        # whole as a Command, which still proves the file splits into the intended statements.
        remedies = _statements(files["remedies.sql"])
        assert len(remedies) == 3 * len(env.sources)
        assert all(isinstance(s, exp.Command) and " INTEGRATION " in s.sql() and s.this.upper() == "ALTER" for s in remedies)
        for source in env.sources:
            analyses = _statements(files[f"{source.name}/tickit-analysis.sql"])
            assert len(analyses) == 5 and all(isinstance(s, exp.Select) for s in analyses)
            joined = {t.catalog for s in analyses[:4] for t in s.find_all(exp.Table)}
            assert joined == {source.target_database.database_name}


def test_every_environment_has_a_complete_runbook(fleet_synth: Synthesized) -> None:
    for env in fleet_synth.catalog.environments:
        folder = fleet_synth.outdir / "runbooks" / env.name
        readme = (folder / "README.md").read_text()
        for heading in ("## 1. Deploy", "## 2. Connect", "## 3. TICKIT walkthrough", "## 4. Monitor", "## 5. Alarms", "## 6. Clean up"):
            assert heading in readme, (env.name, heading)
        assert f"scripts/cdktf destroy {env.name}-target-database {env.name}-integration" in readme
        for source in env.sources:
            assert (folder / source.name / "tickit-load.sql").is_file()
            assert source.integration.integration_name in readme
