"""Safe to approve: checkov finds nothing on any stack or plan, stateful resources are
protected, no secret is written anywhere, IAM is narrow and trust is pinned to the catalog."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.harness import PlanResult, Synthesized, referenced, resources
from tests.iam_eval import listed
from zeroetl.checks.checkov import excused, scan, scoped, skips

CATALOGS = ["default", "variant", "fleet"]
# Actions that need "*" because AWS offers no resource-level control for them. (In key
# policies "*" means "this key", so it is allowed there.)
WILDCARD_RESOURCE_ACTIONS = {"redshift:DescribeClusters", "redshift-serverless:ListNamespaces"}
SECRET_PATTERNS = [
    re.compile(r"AKIA[0-9A-Z]{16}"),
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r'"(master_password|admin_user_password|master_password_wo|admin_user_password_wo|password)"\s*:\s*"[^"$]'),
    re.compile(r"^\s*\w*password\w*\s*=\s*\"", re.M | re.I),
]


def _synths(request: pytest.FixtureRequest) -> list[Synthesized]:
    return [request.getfixturevalue(f"{name}_synth") for name in CATALOGS]


@pytest.mark.terraform
def test_checkov_passes_every_synthesized_stack(request: pytest.FixtureRequest) -> None:
    failed = scan([synth.outdir / "stacks" for synth in _synths(request)], "terraform_json")
    assert failed == [], [(f["check_id"], f["resource"], f["file_path"]) for f in failed]


@pytest.mark.terraform
def test_checkov_passes_every_offline_plan(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    for name in CATALOGS:
        plans: dict[str, PlanResult] = request.getfixturevalue(f"{name}_plans")
        for stack, result in plans.items():
            (tmp_path / f"{stack}.json").write_text(json.dumps(result.plan))
    failed = scan(sorted(tmp_path.glob("*.json")), "terraform_plan")
    assert failed == [], [(f["check_id"], f["resource"], f["file_path"]) for f in failed]


def test_skip_list_is_short_and_every_entry_reasoned() -> None:
    entries = skips()
    # 5 since before the bootstrap: its state buckets' access logging and replication (issue 19)
    # brought none skipped everywhere (tests/test_state_access_logs.py, tests/test_state_replica.py)
    assert 0 < len(entries) <= 5
    for check, reason in entries.items():
        assert re.fullmatch(r"CKV2?_AWS_\d+", check) and len(reason.split()) >= 12, check
    # and one scoped to the access-log buckets, which S3 supports only with SSE-S3
    assert set(scoped()) == {"CKV_AWS_145"}
    for check, entry in scoped().items():
        assert re.fullmatch(r"CKV2?_AWS_\d+", check) and len(entry.why.split()) >= 12, check
        assert all(re.fullmatch(r"aws_[a-z0-9_]+\.\S+", pattern) and pattern.count("*") <= 2 for pattern in entry.resources), entry.resources


@pytest.mark.terraform
def test_a_scoped_skip_excuses_only_the_resources_it_names(fleet_synth: Synthesized, tmp_path: Path) -> None:
    """The KMS check skipped on the access-log buckets still runs on every other bucket: a
    state bucket planted with SSE-S3 fails it, and the log buckets beside it do not."""
    name = next(name for name in fleet_synth.stacks if name.startswith("bootstrap-"))
    stack = json.loads(json.dumps(fleet_synth.stacks[name]))
    planted = []
    for address, encryption in resources(stack, "aws_s3_bucket_server_side_encryption_configuration").items():
        if "access-logs" not in address and "replica" not in address:
            encryption["rule"][0]["apply_server_side_encryption_by_default"] = {"sse_algorithm": "AES256"}
            planted.append(referenced(stack, encryption["bucket"])["bucket"])
    assert planted, "the stack has a state bucket"
    (tmp_path / name).mkdir()
    (tmp_path / name / "cdk.tf.json").write_text(json.dumps(stack))
    failed = [(f["check_id"], f["resource"]) for f in scan([tmp_path / name], "terraform_json")]
    flagged = [resource for check, resource in failed if check == "CKV_AWS_145"]
    assert flagged and all("access-logs" not in resource for resource in flagged), failed
    assert any(excused({"check_id": "CKV_AWS_145", "resource": f"aws_s3_bucket.{address}"}, scoped()) for address in resources(stack, "aws_s3_bucket") if "access-logs" in address)


def test_stateful_resources_are_protected(request: pytest.FixtureRequest) -> None:
    for synth in _synths(request):
        for name, stack in synth.stacks.items():
            for cluster in resources(stack, "aws_rds_cluster").values():
                assert cluster["deletion_protection"] is True and cluster["skip_final_snapshot"] is False, name
            for type_ in ("aws_redshiftserverless_namespace", "aws_redshift_cluster"):
                for resource in resources(stack, type_).values():
                    assert resource["lifecycle"]["prevent_destroy"] is True, (name, type_)
            for key_name, key in resources(stack, "aws_kms_key").items():
                integration_key = "integration-key" in key_name or "alerts-key" in key_name
                assert key["enable_key_rotation"] is True, key_name
                assert key.get("lifecycle", {}).get("prevent_destroy", False) is not integration_key, key_name
            for resource in resources(stack, "aws_redshift_cluster").values():
                assert resource["skip_final_snapshot"] is False
                assert resources(stack, "aws_redshift_logging"), name


def _generated_files(synth: Synthesized) -> Iterator[Path]:
    yield from (p for p in synth.outdir.rglob("*") if p.is_file() and ".terraform" not in p.parts)


def test_no_secret_in_any_generated_file_or_state(request: pytest.FixtureRequest) -> None:
    scanned = 0
    for synth in _synths(request):
        for path in _generated_files(synth):
            if path.suffix not in {".json", ".tfvars", ".yml", ".md", ".tfstate"}:
                continue
            text = path.read_text(errors="replace")
            scanned += 1
            for pattern in SECRET_PATTERNS:
                assert not pattern.search(text), (path, pattern.pattern)
    assert scanned > 50


def test_secret_scan_catches_a_planted_password(tmp_path: Path) -> None:
    planted = '{"resource": {"aws_rds_cluster": {"x": {"master_password": "hunter2hunter2"}}}}'
    assert any(p.search(planted) for p in SECRET_PATTERNS)
    assert any(p.search('admin_password = "hunter2"\n') for p in SECRET_PATTERNS)


def _policies(stack: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for type_, attribute in (("aws_iam_policy", "policy"), ("aws_iam_role_policy", "policy"), ("aws_kms_key", "policy"), ("aws_redshift_resource_policy", "policy")):
        for name, resource in resources(stack, type_).items():
            yield f"{type_}.{name}", json.loads(resource[attribute])


def test_iam_has_no_wildcard_action_and_wildcard_resources_only_where_aws_needs_them(request: pytest.FixtureRequest) -> None:
    for synth in _synths(request):
        # The bootstrap's rollout roles answer to their own reviewed list (tests/test_bootstrap.py).
        for stack in (stack for name, stack in synth.stacks.items() if not name.startswith("bootstrap-")):
            for address, policy in _policies(stack):
                for statement in policy["Statement"]:
                    actions = listed(statement["Action"])
                    in_key_policy = address.startswith("aws_kms_key.")
                    assert all(a != "*" and (a.endswith(":*") is False or in_key_policy) for a in actions), (address, actions)
                    if statement.get("Resource") in ("*", ["*"]):
                        assert in_key_policy or set(actions) <= WILDCARD_RESOURCE_ACTIONS, (address, statement)


def test_trust_policies_are_pinned_to_catalog_accounts(request: pytest.FixtureRequest) -> None:
    for synth in _synths(request):
        for env in synth.catalog.environments:
            accounts = {env.source_account.account_id, env.target.account_id}
            for name, stack in synth.stacks.items():
                if not name.startswith(f"{env.name}-"):
                    continue
                for role_name, role in resources(stack, "aws_iam_role").items():
                    for statement in json.loads(role["assume_role_policy"])["Statement"]:
                        principal = statement["Principal"]
                        if "Service" in principal:
                            assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] in accounts, role_name
                        else:
                            # The cross-account discovery role: the source account only (the
                            # console cannot pass an external id; tests/test_aws_rules.py).
                            assert principal["AWS"] == f"arn:aws:iam::{env.source_account.account_id}:root", role_name
                            assert "discovery" in role["name"], f"{role_name}: only the discovery role may trust an account (checkov CKV_AWS_61 is skipped for it)"
