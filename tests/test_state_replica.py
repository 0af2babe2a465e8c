"""Cross-region replication of the bootstrap's buckets, on the fleet's synthesized stacks
(stacks/constructs/state_replica.py), and the catalog's say in where the copies go.

S3 User Guide, "Replicating objects" and "Replicating encrypted objects": versioning on both
sides, a role S3 assumes that reads the source's versions and writes the replicas, decrypting
through S3 of the source's region and encrypting through S3 of the replica's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.harness import Synthesized, bootstraps, bucket_keys, referenced, resources
from tests.iam_eval import allowed
from tests.trust import matches
from zeroetl.catalog.facts import FACTS
from zeroetl.catalog.loader import CatalogError, load_catalog
from zeroetl.catalog.naming import access_log_bucket, replica_bucket, replica_region
from zeroetl.rollout.accounts import account_plans

ROOT = Path(__file__).resolve().parents[1]


def _regions(stack: dict) -> dict[str, str]:
    """Provider reference as resources carry it (`aws`, `aws.<alias>`): its region."""
    return {("aws." + p["alias"]) if "alias" in p else "aws": p["region"] for p in stack["provider"]["aws"]}


def _region_of(stack: dict, resource: dict) -> str:
    return _regions(stack)[resource.get("provider", "aws")]


def test_every_bucket_the_bootstrap_keeps_has_a_copy_in_its_replica_region(fleet_synth: Synthesized) -> None:
    catalog = fleet_synth.catalog
    for plan in account_plans(catalog):
        stack = bootstraps(fleet_synth)[plan.account_id]
        copies = {}
        for config in resources(stack, "aws_s3_bucket_replication_configuration").values():
            source = referenced(stack, config["bucket"])
            (rule,) = config["rule"]
            replica = referenced(stack, rule["destination"]["bucket"])
            copies[source["bucket"]] = replica["bucket"]
            assert rule["status"] == "Enabled"
            # every key the bucket holds: the states and the bootstrap's own, or the logs of one bucket
            keys = [f"zeroetl/{plan.account_id}/eu-west-1/prod/source.tfstate", f"zeroetl-bootstrap/{plan.account_id}.tfstate"]
            if source["bucket"].endswith("-access-logs"):
                keys = [f"{source['bucket'].removesuffix('-access-logs')}/2026-12-07-10-00-00-ABCDEF"]
            assert all(key.startswith(rule["filter"]["prefix"]) for key in keys) and rule["filter"]["prefix"], source["bucket"]
            assert rule["delete_marker_replication"] == {"status": "Disabled"}, "a deletion is not copied: the replica is the way back"
            if source["bucket"].endswith("-access-logs"):
                # SSE-S3 objects (tests/test_state_access_logs.py), which S3 replicates as they are
                assert "source_selection_criteria" not in rule and "encryption_configuration" not in rule["destination"], source["bucket"]
            else:
                assert rule["source_selection_criteria"]["sse_kms_encrypted_objects"]["status"] == "Enabled", "the states are SSE-KMS objects"
                key = referenced(stack, rule["destination"]["encryption_configuration"]["replica_kms_key_id"])
                assert _region_of(stack, replica) == _region_of(stack, key), "re-encrypted under a key of the replica's region"
            assert _region_of(stack, config) == _region_of(stack, source) != _region_of(stack, replica)
            assert referenced(stack, config["role"])["name"] == "zeroetl-rollout-replication"
            versionings = {f"aws_s3_bucket_versioning.{ref}": referenced(stack, v["bucket"])["bucket"] for ref, v in resources(stack, "aws_s3_bucket_versioning").items()}
            assert {versionings[d] for d in config["depends_on"]} == {source["bucket"], replica["bucket"]}, "S3 refuses replication until both sides are versioned"
        expected = {}
        for region, bucket in plan.buckets:
            assert replica_region(catalog, region) != region
            expected[bucket] = replica_bucket(bucket)
            expected[access_log_bucket(bucket)] = access_log_bucket(replica_bucket(bucket))
        assert copies == expected, plan.account_id
        every = {b["bucket"] for b in resources(stack, "aws_s3_bucket").values()}
        assert every == set(copies) | set(copies.values()), "no bucket outside the copies"


def test_the_replication_role_is_s3s_of_its_account_and_copies_only_what_it_must(fleet_synth: Synthesized) -> None:
    for account, stack in bootstraps(fleet_synth).items():
        (role,) = [r for r in resources(stack, "aws_iam_role").values() if r["name"] == "zeroetl-rollout-replication"]
        (trust,) = json.loads(role["assume_role_policy"])["Statement"]
        assert trust["Principal"] == {"Service": "s3.amazonaws.com"} and trust["Action"] == "sts:AssumeRole"
        assert all(matches(op, wanted, account) for op, block in trust["Condition"].items() for wanted in block.values())
        assert not all(matches(op, wanted, "999999999999") for op, block in trust["Condition"].items() for wanted in block.values()), "another account's S3"
        (policy,) = [json.loads(p["policy"])["Statement"] for p in resources(stack, "aws_iam_role_policy").values() if p["role"].startswith("${aws_iam_role.replication")]
        encryption = bucket_keys(stack)
        decrypt = [s for s in policy if s["Sid"].startswith("DecryptWhatItCopies")]
        encrypt = [s for s in policy if s["Sid"].startswith("EncryptTheReplicas")]
        copied = [(referenced(stack, c["bucket"])["bucket"], referenced(stack, c["rule"][0]["destination"]["bucket"])["bucket"]) for c in resources(stack, "aws_s3_bucket_replication_configuration").values()]
        assert {s["Resource"] for s in decrypt} == {encryption[source] for source, _ in copied} - {None}, "the keys of what it copies"
        assert {s["Resource"] for s in encrypt} == {encryption[replica] for _, replica in copied} - {None}, "the keys of the replicas"
        assert len(decrypt) == len(encrypt) == len(copied) // 2, "the states' keys; the logs have none"
        for config in resources(stack, "aws_s3_bucket_replication_configuration").values():
            source, replica = referenced(stack, config["bucket"])["bucket"], referenced(stack, config["rule"][0]["destination"]["bucket"])["bucket"]
            here, there = _region_of(stack, config), _region_of(stack, referenced(stack, config["rule"][0]["destination"]["bucket"]))
            src, dst = f"arn:aws:s3:::{source}", f"arn:aws:s3:::{replica}"
            assert allowed(policy, "s3:GetObjectVersionForReplication", f"{src}/zeroetl/x.tfstate") and allowed(policy, "s3:ReplicateObject", f"{dst}/zeroetl/x.tfstate")
            assert allowed(policy, "s3:GetReplicationConfiguration", src)
            assert not allowed(policy, "s3:GetObject", f"{src}/zeroetl/x.tfstate"), "it reads versions for replication only"
            assert not allowed(policy, "s3:ReplicateObject", f"{src}/zeroetl/x.tfstate"), "it never writes the source"
            assert not allowed(policy, "s3:PutObject", f"{dst}/zeroetl/x.tfstate")
            if encryption[source] is None:
                continue
            via = {"kms:ViaService": f"s3.{here}.amazonaws.com", "kms:EncryptionContext:aws:s3:arn": src}
            assert any(allowed([s], "kms:Decrypt", s["Resource"], via) for s in decrypt), source
            assert not any(allowed([s], "kms:Decrypt", s["Resource"], {**via, "kms:ViaService": f"s3.{there}.amazonaws.com"}) for s in decrypt), "through S3 of the source's region only"
            assert not any(allowed([s], "kms:Decrypt", s["Resource"], {**via, "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}) for s in decrypt)
            into = {"kms:ViaService": f"s3.{there}.amazonaws.com", "kms:EncryptionContext:aws:s3:arn": f"{dst}/zeroetl/x.tfstate"}
            assert any(allowed([s], "kms:Encrypt", s["Resource"], into) for s in encrypt), replica
            assert not any(allowed([s], "kms:Decrypt", s["Resource"], into) for s in encrypt), "the replicas' keys encrypt only"
        assert all(s["Effect"] == "Allow" and "*" not in json.dumps(s["Action"]) for s in policy)


def test_the_apply_role_may_not_change_the_replication_role(fleet_synth: Synthesized) -> None:
    for account, stack in bootstraps(fleet_synth).items():
        (apply,) = [json.loads(p["policy"])["Statement"] for p in resources(stack, "aws_iam_role_policy").values() if p["name"] == "apply-what-the-stacks-manage"]
        (deny,) = [s for s in apply if s.get("Sid") == "NeverTheRolloutsOwnRoles"]
        assert f"arn:aws:iam::{account}:role/zeroetl-rollout-replication" in deny["Resource"], account


def _catalog_with(tmp_path: Path, replicas: str) -> Path:
    text = (ROOT / "catalog" / "fleet.yaml").read_text()
    text = text.replace('  bucket: "{app}-tfstate-{account}-{region}"\n', '  bucket: "{app}-tfstate-{account}-{region}"\n' + replicas, 1)
    path = tmp_path / "fleet.yaml"
    path.write_text(text)
    return path


def test_the_catalog_chooses_a_replica_region_and_the_region_facts_fill_the_rest(tmp_path: Path) -> None:
    catalog = load_catalog(_catalog_with(tmp_path, "  replica_regions:\n    us-east-1: us-east-2\n"))
    assert replica_region(catalog, "us-east-1") == "us-east-2"
    assert replica_region(catalog, "eu-west-1") == FACTS.region_facts.state_replica_region["eu-west-1"] == "eu-central-1"


@pytest.mark.parametrize(
    ("replicas", "message"),
    [
        ("    us-east-1: us-east-1\n", "replica_regions {us-east-1: us-east-1}: a replica in the same region"),
        ("    us-east-1: cn-north-1\n", "replica_regions {us-east-1: cn-north-1}: S3 replicates only within a partition (aws)"),
        ("    us-east-1: us-east-7\n", "replica_regions {us-east-1: us-east-7}: 'us-east-7' is not a region of catalog/regions.yaml"),
        ("    ap-south-1: ap-south-2\n", "state.replica_regions: 'ap-south-1' keeps no state in this catalog"),
    ],
    ids=["same-region", "other-partition", "unknown-region", "no-state-there"],
)
def test_a_replica_region_the_bootstrap_cannot_use_is_refused_with_its_field(tmp_path: Path, replicas: str, message: str) -> None:
    with pytest.raises(CatalogError) as raised:
        load_catalog(_catalog_with(tmp_path, "  replica_regions:\n" + replicas))
    assert message in str(raised.value) and "replica_regions" in str(raised.value)


def test_replica_regions_on_a_local_backend_are_refused(tmp_path: Path) -> None:
    """A catalog that keeps its state locally has no bucket to replicate (catalog/default.yaml)."""
    text = (ROOT / "catalog" / "default.yaml").read_text()
    path = tmp_path / "default.yaml"
    path.write_text("state:\n  replica_regions: {us-east-1: us-west-2}\n" + text)
    with pytest.raises(CatalogError) as raised:
        load_catalog(path)
    assert "replica_regions" in str(raised.value) and "applies only to backend: s3" in str(raised.value)
