"""Applied, not only planned, for the fleet's other shapes: the cross-account environment
(two sources, one warehouse in another account), the provisioned RA3 one in another region,
and the bring-your-own one, with their state in S3 buckets of each account and region, as
catalog/fleet.yaml deploys them. Each account's bootstrap stack is applied first (it
creates the state buckets the others use), then the rest in wave order against the emulator,
every re-plan empty, then retired and destroyed, leaving what the team brought in and the
bootstrap."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.conftest import FLEET_CATALOG
from tests.emulator.brought_in import attach_prerequisites, bring_in, client
from tests.emulator.cycle import Cycle
from tests.emulator.fixture import Emulator
from tests.harness import synthesize_catalog
from tests.test_applied import retired_copy
from zeroetl.catalog.loader import load_catalog
from zeroetl.catalog.naming import Layer, layer_account, replica_region, state_bucket
from zeroetl.rollout.accounts import BOOTSTRAP_PREFIX

# a worker of its own under scripts/test: its minutes are the provider's waiters (tests/parallel.py)
pytestmark = pytest.mark.xdist_group("emulator-fleet")

SHAPES = ("prod", "eu", "legacy")  # cross-account, provisioned in eu-west-1, bring-your-own


@pytest.fixture(scope="module")
def applied(emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cycle]:
    work = tmp_path_factory.mktemp("applied-fleet")
    raw = yaml.safe_load(FLEET_CATALOG.read_text())
    raw["environments"] = [bring_in(emulator, entry) for entry in raw["environments"] if entry["name"] in SHAPES]
    path = work / "fleet.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    synth = synthesize_catalog(load_catalog(path), work / "cdktf.out", str(path))
    cycle = Cycle(emulator, synth, work / "terraform.log")
    # What an administrator applies once per account first: the state buckets every later
    # stack keeps its state in, GitHub's OIDC provider and the rollout's roles.
    bootstrap = [stack for stack in synth.stacks if stack.startswith(BOOTSTRAP_PREFIX)]
    assert len(bootstrap) == 4, bootstrap
    cycle.apply(bootstrap)
    first = [stack for stack in synth.stacks if stack.endswith(("-source", "-warehouse"))]
    cycle.apply(first)
    # The brought-in cluster still has its default parameter group: the integration's plan
    # refuses (before anything is created) until the team attaches the group and reboots.
    cycle.refuse("legacy-integration")
    legacy = next(entry for entry in raw["environments"] if entry["name"] == "legacy")
    attach_prerequisites(emulator, legacy, cycle.outputs("legacy-source"))
    cycle.apply([stack for stack in synth.stacks if stack not in first + bootstrap])
    yield cycle


def test_every_stack_replans_empty_after_its_apply(applied: Cycle) -> None:
    assert applied.replan() == {stack: [] for stack in applied.synth.stacks}


def test_every_role_the_stacks_created_carries_the_boundary_the_bootstrap_created(applied: Cycle, emulator: Emulator) -> None:
    """stacks/boundary.py, applied: each role a stack created names the boundary policy its
    account's bootstrap created (the team's own operator roles are not the stacks' and carry none)."""
    roles = 0
    for name, config in applied.synth.stacks.items():
        if name.startswith(BOOTSTRAP_PREFIX):
            continue
        account = config["provider"]["aws"][0]["allowed_account_ids"][0]
        iam = client(emulator, "iam", account, "us-east-1")
        boundary = iam.get_policy(PolicyArn=f"arn:aws:iam::{account}:policy/zeroetl-rollout-boundary")["Policy"]["Arn"]
        for role in config["resource"].get("aws_iam_role", {}).values():
            assert iam.get_role(RoleName=role["name"])["Role"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary, (name, role["name"])
            roles += 1
    assert roles >= 8, roles


def test_a_brought_in_cluster_without_its_binlog_group_is_refused_at_plan_with_the_commands(applied: Cycle, emulator: Emulator) -> None:
    """Aurora guide (zero-etl.setting-up): "Before you can create the integration, the reboot
    must be complete and the new parameter values must be successfully applied." The plan
    names the cluster, the group to attach, the reboot, and what is attached now."""
    said = " ".join(applied.refusals["legacy-integration"].split())
    for words in (
        "Existing cluster crm-aurora-prod (us-west-2) is not ready",
        "--db-cluster-identifier crm-aurora-prod --db-cluster-parameter-group-name crm-aurora-prod-zero-etl --apply-immediately",
        "aws rds reboot-db-instance --region us-west-2",
        "Attached now: default.",  # the emulator names the default group its own way
    ):
        assert words in said, said[-2000:]
    refused_first = [c for c in emulator.calls("CreateIntegration") if c["params"]["IntegrationName"] == "crm-zero-etl"]
    assert [c["error"] for c in refused_first] == [None], "created once, after the attach; never tried before it"


def test_each_integration_is_created_in_the_source_account_into_its_target(applied: Cycle, emulator: Emulator) -> None:
    created = {c["params"]["IntegrationName"]: c for c in emulator.calls("CreateIntegration") if c["error"] is None}
    warehouses = {env: applied.outputs(f"{env}-warehouse")["namespace_arn"] for env in SHAPES}
    assert {name: (c["account"], c["params"]["TargetArn"]) for name, c in created.items()} == {
        "prod-orders-zero-etl": ("222222222222", warehouses["prod"]),
        "prod-payments-zero-etl": ("222222222222", warehouses["prod"]),
        "eu-orders-zero-etl": ("444444444444", warehouses["eu"]),
        "crm-zero-etl": ("555555555555", warehouses["legacy"]),
    }
    assert warehouses["prod"].startswith("arn:aws:redshift-serverless:us-east-1:333333333333:namespace/")
    assert warehouses["eu"].startswith("arn:aws:redshift:eu-west-1:444444444444:namespace:")
    assert created["prod-orders-zero-etl"]["params"]["DataFilter"] == "include: orders.*, exclude: orders./tmp_.*/"


def test_each_database_is_created_where_its_warehouse_is(applied: Cycle, emulator: Emulator) -> None:
    creates = [c for c in emulator.calls("ExecuteStatement") if c["params"]["Sql"].startswith("CREATE DATABASE")]
    where = {c["params"]["Sql"].split()[2] + "@" + c["account"]: c["params"].get("WorkgroupName") or c["params"]["ClusterIdentifier"] for c in creates}
    assert where == {
        "orders@333333333333": "prod-analytics", "payments@333333333333": "prod-analytics",
        "orders@444444444444": "eu-analytics", "crm@555555555555": "analytics",
    }
    assert all(c["error"] is None for c in emulator.calls("ExecuteStatement"))


def test_state_lives_in_each_accounts_bucket_with_no_lock_left(applied: Cycle, emulator: Emulator) -> None:
    for env in applied.synth.catalog.environments:
        for layer in Layer:
            account = layer_account(env, layer).account_id
            listed = client(emulator, "s3", account, env.region).list_objects_v2(Bucket=state_bucket(applied.synth.catalog, env, layer))
            keys = [o["Key"] for o in listed.get("Contents", [])]
            assert any(k.endswith(f"/{env.name}/{layer.value}.tfstate") for k in keys), keys
            assert not [k for k in keys if k.endswith(".tflock")], keys


def test_retired_then_destroyed_leaves_only_what_was_brought_in(applied: Cycle, emulator: Emulator, tmp_path: Path) -> None:
    retired_path = retired_copy(applied.synth.outdir.parent / "fleet.yaml", tmp_path)
    retired = synthesize_catalog(load_catalog(retired_path), applied.synth.outdir.parent / "cdktf.out-retired", str(retired_path))
    applied.destroy(retired)
    clusters = {
        account: [c["DBClusterIdentifier"] for c in client(emulator, "rds", account, region).describe_db_clusters()["DBClusters"]]
        for account, region in (("222222222222", "us-east-1"), ("444444444444", "eu-west-1"), ("555555555555", "us-west-2"))
    }
    assert clusters == {"222222222222": [], "444444444444": [], "555555555555": ["crm-aurora-prod"]}
    assert client(emulator, "redshift", "444444444444", "eu-west-1").describe_clusters()["Clusters"] == []
    workgroups = client(emulator, "redshift-serverless", "555555555555", "us-west-2").get_workgroup(workgroupName="analytics")
    assert workgroups["workgroup"]["status"] == "AVAILABLE"


def test_each_accounts_bootstrap_made_its_oidc_provider_roles_and_encrypted_state(applied: Cycle, emulator: Emulator) -> None:
    """The administrator's first step, applied: every account of the fleet's shapes has GitHub's
    provider and the two rollout roles with their session limits, the states the other stacks
    wrote are encrypted with the bucket's own key, and each state bucket logs its requests and
    replicates into its copy in another region."""
    accounts = sorted({layer_account(env, layer).account_id for env in applied.synth.catalog.environments for layer in Layer})
    for account in accounts:
        iam = client(emulator, "iam", account, "us-east-1")
        providers = [p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]]
        assert providers == [f"arn:aws:iam::{account}:oidc-provider/token.actions.githubusercontent.com"], account
        sessions = {kind: iam.get_role(RoleName=f"zeroetl-rollout-{kind}")["Role"]["MaxSessionDuration"] for kind in ("plan", "apply")}
        assert sessions == {"plan": 3600, "apply": 10800}, account
    for env in applied.synth.catalog.environments:
        account = layer_account(env, Layer.SOURCE).account_id
        s3 = client(emulator, "s3", account, env.region)
        bucket = state_bucket(applied.synth.catalog, env, Layer.SOURCE)
        head = s3.head_object(Bucket=bucket, Key=f"zeroetl/{account}/{env.region}/{env.name}/source.tfstate")
        # The backend names the bootstrap's key by its alias (AWS answers with the key's ARN,
        # moto with what was sent): not SSE-S3, which `encrypt` alone would ask for.
        assert head["ServerSideEncryption"] == "aws:kms", env.name
        assert re.fullmatch(rf"arn:aws:kms:{env.region}:{account}:(key/[0-9a-f-]+|alias/zeroetl-tfstate)", head["SSEKMSKeyId"]), env.name
        # Its server access logs go to the bucket beside it, under its own name.
        logging = s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"]
        assert (logging["TargetBucket"], logging["TargetPrefix"]) == (f"{bucket}-access-logs", f"{bucket}/"), env.name
        (default,) = s3.get_bucket_encryption(Bucket=f"{bucket}-access-logs")["ServerSideEncryptionConfiguration"]["Rules"]
        assert default["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}, "the only default S3 supports on a log target"
        # It replicates into its copy in the replica region, which exists there.
        (rule,) = s3.get_bucket_replication(Bucket=bucket)["ReplicationConfiguration"]["Rules"]
        assert rule["Destination"]["Bucket"] == f"arn:aws:s3:::{bucket}-replica", env.name
        there = replica_region(applied.synth.catalog, env.region)
        location = client(emulator, "s3", account, there).get_bucket_location(Bucket=f"{bucket}-replica")["LocationConstraint"]
        assert (location or "us-east-1") == there != env.region, env.name  # S3 names us-east-1 None
