"""Bad catalogs are refused before anything is written, with one line per problem naming the
file, the environment, the field, the value and what is allowed."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

from zeroetl.loader import CatalogError, load_catalog

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = yaml.safe_load((ROOT / "catalog" / "default.yaml").read_text())


def _env(data: dict[str, Any]) -> dict[str, Any]:
    return data["environments"][0]


def _set(path: str, value: Any) -> Callable[[dict], None]:
    def change(data: dict) -> None:
        *parents, leaf = path.split(".")
        node = _env(data)
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value

    return change


def _drop(key: str) -> Callable[[dict], None]:
    return lambda data: _env(data).pop(key)


def _duplicate_env(data: dict) -> None:
    data["environments"].append(copy.deepcopy(_env(data)))


CASES = {
    "unknown field": (_set("source.colour", "blue"), "source.colour", "unknown field; allowed fields here: backup_retention_period"),
    "missing account": (_drop("account_id"), "account_id", "required field is missing"),
    "malformed account id": (_set("account_id", "12345"), "account_id = '12345'", "should match pattern"),
    "region without zero-ETL": (_set("region", "ap-southeast-5"), "region = 'ap-southeast-5'", "zero-ETL is not available in 'ap-southeast-5'; allowed: af-south-1"),
    "engine below floor": (_set("source.engine_version", "8.0.mysql_aurora.3.04.1"), "source.engine_version = '8.0.mysql_aurora.3.04.1'", "needs Aurora MySQL 3.05.2 or later"),
    "engine malformed": (_set("source.engine_version", "5.7.12"), "source.engine_version = '5.7.12'", "must look like 8.0.mysql_aurora.3.05.2"),
    "case sensitivity off": (_set("warehouse.enable_case_sensitive_identifier", False), "warehouse.enable_case_sensitive_identifier = False", "Input should be True"),
    "enhanced vpc routing on": (_set("warehouse.enhanced_vpc_routing", True), "warehouse.enhanced_vpc_routing = True", "Input should be False"),
    "open ingress": (_set("network.allowed_cidr_blocks", ["0.0.0.0/0"]), "network.allowed_cidr_blocks", "opens the databases to the internet"),
    "zone outside region": (_set("network.availability_zones", ["eu-west-1a", "us-east-1b", "us-east-1c"]), "environments[0] (environment 'demo')", "'eu-west-1a' is not in region us-east-1"),
    "too many filter patterns": (_set("integration.data_filter", [f"include: db.t{i}" for i in range(100)]), "integration.data_filter", "at most 99 items"),
    "malformed filter pattern": (_set("integration.data_filter", ["db.orders"]), "integration.data_filter", "must be 'include: database.table' or 'exclude: database.table'"),
    "refresh interval too long": (_set("target_database.refresh_interval", 432001), "target_database.refresh_interval = 432001", "less than or equal to 432000"),
    "capacity not a multiple of 8": (_set("warehouse.base_capacity", 12), "warehouse.base_capacity = 12", "multiple of 8"),
    "cluster name too long": (_set("source.cluster_identifier", "a" * 64), "source.cluster_identifier", "must be 1-63 lowercase letters"),
    "context without key": (_set("integration.additional_encryption_context", {"a": "b"}), "integration", "only works with a customer managed key"),
    "duplicate environment": (_duplicate_env, "environments", "environment name 'demo' is used twice"),
}


def _write(tmp_path: Path, change: Callable[[dict], None]) -> Path:
    data = copy.deepcopy(DEFAULT)
    change(data)
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_default_catalog_is_valid() -> None:
    catalog = load_catalog(ROOT / "catalog" / "default.yaml")
    assert [env.name for env in catalog.environments] == ["demo"]


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_bad_catalog_is_refused_with_file_field_and_allowed(case: str, tmp_path: Path) -> None:
    change, field, allowed = CASES[case]
    path = _write(tmp_path, change)
    with pytest.raises(CatalogError) as raised:
        load_catalog(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: ")
    assert field in message and allowed in message, message


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("environments:\n  - name: demo\n    region: [us-east-1\n")
    with pytest.raises(CatalogError, match=r"broken.yaml: line \d+ is not valid YAML"):
        load_catalog(path)


def test_main_refuses_bad_catalog_without_writing_anything(tmp_path: Path) -> None:
    path = _write(tmp_path, CASES["engine below floor"][0])
    outdir = tmp_path / "cdktf.out"
    done = subprocess.run(
        [sys.executable, "main.py", "--catalog", str(path)],
        cwd=ROOT, capture_output=True, text=True, env={"CDKTF_OUTDIR": str(outdir), "PATH": "/usr/bin:/bin"}, timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "needs Aurora MySQL 3.05.2 or later" in done.stderr, done.stderr
    assert not outdir.exists()
