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

from zeroetl.catalog.loader import CatalogError, load_catalog

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = yaml.safe_load((ROOT / "catalog" / "default.yaml").read_text())


def _env(data: dict[str, Any]) -> dict[str, Any]:
    return data["environments"][0]


def _set(path: str, value: Any) -> Callable[[dict], None]:
    """Set a dotted path inside the first environment; numbers index lists."""

    def change(data: dict) -> None:
        *parents, leaf = path.split(".")
        node: Any = _env(data)
        for key in parents:
            node = node[int(key)] if key.isdigit() else node.setdefault(key, {})
        node[leaf] = value

    return change


def _drop(key: str) -> Callable[[dict], None]:
    return lambda data: _env(data).pop(key)


def _copies(count: int, tweak: Callable[[int, dict], None]) -> Callable[[dict], None]:
    """count environments made from the first, each renamed and then tweaked."""

    def change(data: dict) -> None:
        template = _env(data)
        data["environments"] = []
        for index in range(count):
            env = copy.deepcopy(template)
            env["name"] = f"e{index}"
            source = env["sources"][0]
            source["cluster_identifier"] = f"c{index}"
            source["integration"]["integration_name"] = f"i{index}"
            tweak(index, env)
            data["environments"].append(env)

    return change


def _existing_cluster(index: int, env: dict) -> None:
    env["sources"][0].update(create_cluster=False, cluster_identifier="shared-orders")


def _existing_warehouse(index: int, env: dict) -> None:
    env["warehouse"] = {
        "create_warehouse": False,
        "namespace_arn": "arn:aws:redshift-serverless:us-east-1:111111111111:namespace/6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b",
        "workgroup_name": "shared",
        "admin_secret_arn": "arn:aws:secretsmanager:us-east-1:111111111111:secret:admin-AbCdEf",
    }


def _own_warehouse(index: int, env: dict) -> None:
    env["warehouse"].update(namespace_name=f"ns-{index}", workgroup_name=f"wg-{index}")


def _same_cluster(index: int, env: dict) -> None:
    _own_warehouse(index, env)
    env["sources"][0]["cluster_identifier"] = "orders"


def _duplicate_env(data: dict) -> None:
    data["environments"].append(copy.deepcopy(_env(data)))


SRC = "sources.0"
CASES = {
    "unknown field": (_set(f"{SRC}.colour", "blue"), "sources[0].colour", "unknown field; 18 fields are allowed here (README.md, Catalog reference)"),
    "missing account": (_drop("source_account"), "source_account", "required field is missing"),
    "malformed account id": (_set("source_account.account_id", "12345"), "source_account.account_id = '12345'", "should match pattern"),
    "malformed role arn": (_set("source_account.role_arn", "arn:aws:iam::role/x"), "source_account", "must look like arn:aws:iam::111111111111:role/NAME"),
    "role in another account": (_set("source_account.role_arn", "arn:aws:iam::999999999999:role/deployer"), "source_account", "is in account 999999999999, not 111111111111"),
    "region without zero-ETL": (_set("region", "ap-southeast-5"), "region = 'ap-southeast-5'", "zero-ETL is not available there; catalog/regions.yaml lists the 31 regions"),
    "engine below floor": (_set(f"{SRC}.engine_version", "8.0.mysql_aurora.3.04.1"), "sources[0].engine_version = '8.0.mysql_aurora.3.04.1'", "needs Aurora MySQL 3.05.2 or later"),
    "engine malformed": (_set(f"{SRC}.engine_version", "5.7.12"), "sources[0].engine_version = '5.7.12'", "must look like 8.0.mysql_aurora.3.10.3"),
    "source and target in different regions": (
        _set("warehouse", {"create_warehouse": False, "workgroup_name": "analytics", "namespace_arn": "arn:aws:redshift-serverless:eu-west-1:111111111111:namespace/6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b", "admin_secret_arn": "arn:aws:secretsmanager:eu-west-1:111111111111:secret:a-AbCdEf"}),
        "environments[0] (environment 'demo')", "is in eu-west-1; zero-ETL needs everything in the environment's region us-east-1",
    ),
    "case sensitivity off": (_set("warehouse.enable_case_sensitive_identifier", False), "warehouse.enable_case_sensitive_identifier = False", "Input should be True"),
    "enhanced vpc routing on": (_set("warehouse.enhanced_vpc_routing", True), "warehouse.enhanced_vpc_routing = True", "Input should be False"),
    "provisioned needs a cluster": (_set("warehouse.type", "provisioned"), "warehouse", "a new provisioned warehouse needs cluster_identifier"),
    "provisioned node type": (_set("warehouse.node_type", "dc2.large"), "warehouse.node_type = 'dc2.large'", "should match pattern"),
    "open ingress": (_set("network.allowed_cidr_blocks", ["0.0.0.0/0"]), "network.allowed_cidr_blocks", "opens the databases to the internet"),
    "zone outside region": (_set("network.availability_zones", ["eu-west-1a", "us-east-1b", "us-east-1c"]), "environments[0] (environment 'demo')", "'eu-west-1a' is not in region us-east-1"),
    "too many filter patterns": (_set(f"{SRC}.integration.data_filter", [f"include: db.t{i}" for i in range(100)]), "integration.data_filter", "at most 99 items"),
    "malformed filter pattern": (_set(f"{SRC}.integration.data_filter", ["db.orders"]), "integration.data_filter", "must start with 'include:' or 'exclude:' followed by database.table"),
    "glob in a filter": (_set(f"{SRC}.integration.data_filter", ["exclude: orders.tmp_*"]), "integration.data_filter", "'tmp_*' is not a literal name"),
    "no one told after wave 0": (_set("rollout_wave", 1), "environments[0] (environment 'demo')", "monitoring.alarm_emails is empty in rollout_wave 1: its alarms and integration events would reach no one"),
    "unknown engine": (_set(f"{SRC}.engine_version", "8.0.mysql_aurora.3.99.0"), "sources[0].engine_version", "not in catalog/engine_versions.yaml"),
    "existing network without cidrs": (
        lambda d: _env(d)["network"].update(create_vpc=False, vpc_id="vpc-0123456789abcdef0", subnet_ids=["subnet-0123456789abcdef1", "subnet-0123456789abcdef2", "subnet-0123456789abcdef3"]),
        "network", "create_vpc: false needs allowed_cidr_blocks",
    ),
    "refresh interval too long": (_set(f"{SRC}.target_database.refresh_interval", 432001), "target_database.refresh_interval = 432001", "less than or equal to 432000"),
    "capacity not a multiple of 8": (_set("warehouse.base_capacity", 12), "warehouse.base_capacity = 12", "multiple of 8"),
    "cluster name too long": (_set(f"{SRC}.cluster_identifier", "a" * 64), "sources[0].cluster_identifier", "must be 1-63 lowercase letters"),
    "environment name too long": (_set("name", "a" * 13), "name = 'aaaaaaaaaaaaa'", "should match pattern"),
    "context without key": (_set(f"{SRC}.integration.additional_encryption_context", {"a": "b"}), "integration", "only works with a customer managed key"),
    "duplicate environment": (_duplicate_env, "environments[1] ('demo').name", "environment name 'demo' is already used by environments[0]"),
    "two sources with one name": (lambda d: _env(d)["sources"].append(copy.deepcopy(_env(d)["sources"][0])), "sources", "sources share name ['tickit']"),
    "clashing cluster name": (_copies(2, _same_cluster), "environments[1] ('e1').sources[0] ('tickit').cluster_identifier", "Aurora cluster 'orders' (unique in account 111111111111, us-east-1) clashes with environments[0]"),
    "clashing warehouse name": (_copies(2, lambda i, e: None), "environments[1] ('e1').warehouse.namespace_name", "namespace 'zero-etl-target-rs-ns' (unique in account 111111111111, us-east-1) clashes"),
    "more than 5 integrations on one source": (_copies(6, lambda i, e: (_own_warehouse(i, e), _existing_cluster(i, e))), "environments[5] ('e5')", "6 integrations on source cluster 'shared-orders'"),
    "more than 50 integrations on one target": (_copies(51, _existing_warehouse), "environments[50] ('e50')", "51 integrations into warehouse arn:aws:redshift-serverless:us-east-1:111111111111:namespace/"),
    "more than 100 integrations per account and region": (_copies(101, _own_warehouse), "environments[100] ('e100')", "101 integrations in account 111111111111, region us-east-1; the AWS quota is 100"),
    "s3 state without bucket": (lambda d: d.update(state={"backend": "s3"}), "state", "backend s3 needs a bucket pattern"),
    "bad bucket pattern": (lambda d: d.update(state={"backend": "s3", "bucket": "{team}-state"}), "state", "may use only {app}, {account} and {region}"),
}


def _write(tmp_path: Path, change: Callable[[dict], None]) -> Path:
    data = copy.deepcopy(DEFAULT)
    change(data)
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_shipped_catalogs_are_valid() -> None:
    assert [env.name for env in load_catalog(ROOT / "catalog" / "default.yaml").environments] == ["demo"]
    fleet = load_catalog(ROOT / "catalog" / "fleet.yaml")
    assert [env.name for env in fleet.environments] == ["dev", "prod", "eu", "legacy"]


def test_defaults_merge_under_each_environment_and_source() -> None:
    prod = load_catalog(ROOT / "catalog" / "fleet.yaml").environments[1]
    assert prod.tags == {"owner": "data-platform", "cost-center": "analytics", "criticality": "high"}
    assert [s.engine_version for s in prod.sources] == ["8.0.mysql_aurora.3.10.3"] * 2
    dev = load_catalog(ROOT / "catalog" / "fleet.yaml").environments[0]
    assert dev.sources[0].instance_class == "db.r6g.large"  # the environment's own value wins


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_bad_catalog_is_refused_with_file_field_and_allowed(case: str, tmp_path: Path) -> None:
    change, field, allowed = CASES[case]
    path = _write(tmp_path, change)
    with pytest.raises(CatalogError) as raised:
        load_catalog(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: ")
    assert field in message and allowed in message, message


def test_a_clash_is_one_line_per_pair_of_fields_and_a_repeated_name_stops_no_later_check(tmp_path: Path) -> None:
    """One cluster identifier names six things AWS keeps unique (the cluster, its parameter
    groups, ...): copied into another environment, that is one clash, said once. And an
    environment whose name repeats an earlier one is reported without ending the check of
    the environments after it."""
    with pytest.raises(CatalogError) as raised:
        load_catalog(_write(tmp_path, _copies(2, _same_cluster)))
    assert len(str(raised.value).splitlines()) == 1, str(raised.value)

    def repeated_then_clashing(data: dict) -> None:
        _copies(2, _same_cluster)(data)
        data["environments"].insert(1, copy.deepcopy(data["environments"][0]))

    with pytest.raises(CatalogError) as raised:
        load_catalog(_write(tmp_path, repeated_then_clashing))
    lines = str(raised.value).splitlines()
    assert len(lines) == 2 and "environment name 'e0' is already used by environments[0]" in lines[0], lines
    assert "environments[2] ('e1').sources[0] ('tickit').cluster_identifier" in lines[1] and "clashes with environments[0]" in lines[1], lines


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


def test_region_facts_cover_exactly_the_zero_etl_regions() -> None:
    """catalog/region_facts.yaml and catalog/regions.yaml are refreshed together; a region in
    one and not the other would skip its zone and capacity checks silently."""
    facts = yaml.safe_load((ROOT / "catalog" / "region_facts.yaml").read_text())
    regions = yaml.safe_load((ROOT / "catalog" / "regions.yaml").read_text())["zero_etl_regions"]
    assert set(facts["availability_zones"]) == set(regions)
    assert set(facts["serverless_base_capacity"]["extended_to_1024"]) <= set(regions)
    # Redshift Serverless needs three zones (Redshift Management Guide, "Considerations").
    assert all(len(letters) >= 3 for letters in facts["availability_zones"].values())
    # Every region's state has a replica region: another one, of its partition, that AWS
    # enables by default (no opt-in region unless the region itself is one).
    replicas = facts["state_replica_region"]
    assert set(replicas) == set(regions)
    opt_in = {"af-south-1", "ap-east-1", "ap-south-2", "ap-southeast-3", "ap-southeast-4", "ca-west-1", "eu-central-2", "eu-south-1", "eu-south-2", "il-central-1", "me-central-1", "me-south-1"}
    for region, replica in replicas.items():
        assert replica in regions and replica != region and replica.startswith("cn-") == region.startswith("cn-"), region
        assert replica not in opt_in, region


def test_instance_class_data_names_only_known_regions() -> None:
    data = yaml.safe_load((ROOT / "catalog" / "instance_classes.yaml").read_text())
    regions = set(yaml.safe_load((ROOT / "catalog" / "regions.yaml").read_text())["zero_etl_regions"])
    assert all(set(missing) <= regions for missing in (data["not_offered_in"] or {}).values())
    # The article's class and the product's default must stay creatable.
    assert "2xlarge" in data["families"]["db.r6g"]
