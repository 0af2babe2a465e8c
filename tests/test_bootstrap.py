"""The rollout's security model on the real artifacts: the fleet's synthesized bootstrap stacks and
its rendered workflow.

For every job of the workflow, the OIDC claims GitHub would give it are computed from the job
itself (its `permissions` and `environment`) and the event, and each bootstrap role's
synthesized trust policy is evaluated against them as IAM does (tests/trust.py).
"""

from __future__ import annotations

import copy
import fnmatch
import json
from pathlib import Path

import pytest
import yaml

from tests.harness import Synthesized, encryption_rules, resources
from tests.iam_eval import listed
from tests.trust import bootstrap_trust, loosenings
from tests.trust import violations as trust_violations

ROOT = Path(__file__).resolve().parents[1]


def _workflow(synth: Synthesized) -> dict:
    return yaml.safe_load(synth.rollout["github-workflow.yml"])


def _roles(synth: Synthesized) -> dict[tuple[str, str], dict]:
    """(account, plan|apply): trust policy, from every bootstrap stack."""
    return {(account, name.rsplit("-", 1)[1]): policy for (account, name), policy in bootstrap_trust(synth.stacks).items()}


def violations(synth: Synthesized, roles: dict[tuple[str, str], dict]) -> list[str]:
    return trust_violations(synth.catalog, _workflow(synth), roles)


def test_each_job_can_assume_exactly_the_roles_it_needs(fleet_synth: Synthesized) -> None:
    roles = _roles(fleet_synth)
    assert {kind for _, kind in roles} == {"plan", "apply", "replication"}  # no job may assume the last (trust.violations)
    assert {account for account, _ in roles} == {a for env in fleet_synth.catalog.environments for a in (env.source_account.account_id, env.target.account_id)}
    assert violations(fleet_synth, roles) == []


@pytest.mark.parametrize("loosen", loosenings())
def test_a_loosened_trust_policy_is_caught(fleet_synth: Synthesized, loosen) -> None:
    roles = copy.deepcopy(_roles(fleet_synth))
    trust = roles[("333333333333", "apply")]
    loosen(trust["Statement"][0]["Condition"])
    assert violations(fleet_synth, roles), "a loosened apply-role trust went unnoticed"


def test_only_plan_and_apply_jobs_can_mint_a_token_and_synth_touches_no_aws(fleet_synth: Synthesized) -> None:
    workflow = _workflow(fleet_synth)
    assert workflow["permissions"] == {}
    for job_id, job in workflow["jobs"].items():
        token = (job.get("permissions") or {}).get("id-token")
        assert (token == "write") == job_id.startswith(("plan-", "apply-")), job_id
        uses = [step.get("uses", "") for step in job["steps"]]
        if not job_id.startswith(("plan-", "apply-")):
            assert not any("configure-aws-credentials" in u for u in uses), job_id
    synth_env = {k: v for step in workflow["jobs"]["synth"]["steps"] for k, v in (step.get("env") or {}).items()}
    assert synth_env.get("ZEROETL_CREDENTIALS") == "ambient"


def test_apply_jobs_run_to_the_end_and_sessions_last_as_long_as_the_job(fleet_synth: Synthesized) -> None:
    workflow = _workflow(fleet_synth)
    credentials = json.loads(fleet_synth.rollout["credentials.json"])
    for job_id, job in workflow["jobs"].items():
        if job_id.startswith("apply-"):
            assert job["strategy"]["fail-fast"] is False, job_id
            assert all(row["apply_session_seconds"] >= job["timeout-minutes"] * 60 for row in credentials.values())
        if job_id.startswith("plan-"):
            assert all(row["plan_session_seconds"] >= job["timeout-minutes"] * 60 for row in credentials.values())
    for name, stack in fleet_synth.stacks.items():
        if name.startswith("bootstrap-"):
            sessions = {role["name"].rsplit("-", 1)[1]: role.get("max_session_duration") for role in resources(stack, "aws_iam_role").values()}
            assert sessions == {"plan": 3600, "apply": 3 * 3600, "replication": None}, name  # S3's own sessions


def test_guard_allowances_are_per_run_never_a_standing_variable(fleet_synth: Synthesized) -> None:
    text = fleet_synth.rollout["github-workflow.yml"]
    assert "vars.ZEROETL_GUARD_ALLOW" not in text and "vars." not in text
    workflow = _workflow(fleet_synth)
    for job_id, job in workflow["jobs"].items():
        for step in job["steps"]:
            allow = (step.get("env") or {}).get("ZEROETL_GUARD_ALLOW")
            if allow is not None:
                assert "github.event_name == 'workflow_dispatch' && inputs.rollout && inputs.allow" in allow, job_id


def test_a_failed_apply_gets_its_follow_up_from_a_job_without_aws_access(fleet_synth: Synthesized) -> None:
    """Each apply job records its outcome whatever happened (if: always()); one job after all of
    them, with no token for AWS and only issues: write, turns the failures into issues. The apply
    jobs themselves get no GitHub write access."""
    workflow = _workflow(fleet_synth)
    applies = sorted(job_id for job_id in workflow["jobs"] if job_id.startswith("apply-"))
    follow_up = workflow["jobs"]["follow-up"]
    assert follow_up["permissions"] == {"contents": "read", "issues": "write"}
    assert set(follow_up["needs"]) == {"synth", *applies}
    assert "!cancelled()" in follow_up["if"] and "pull_request" not in follow_up["if"]
    for job_id in applies:
        job = workflow["jobs"][job_id]
        assert job["permissions"] == {"contents": "read", "id-token": "write"}, job_id
        kept = [step for step in job["steps"] if "outcome" in step.get("run", "") or "upload-artifact" in step.get("uses", "")]
        assert len(kept) == 2 and all(step["if"] == "${{ always() }}" for step in kept), job_id


def test_a_wave_is_applied_even_when_its_earlier_steps_had_nothing_and_only_then_marked_deployed(fleet_synth: Synthesized) -> None:
    """GitHub ANDs a job's condition with success() unless it calls a status function, and
    success() is false when any job up the needs chain was skipped: a change to wave 1's
    databases alone (its sources, warehouses and integrations skipped) had its apply skipped,
    and the tag still moved (found by tests/test_rollout_act.py). Each apply job checks its
    plan's result under !cancelled(), and the tag moves only when every wave with stacks to
    change applied them."""
    workflow = _workflow(fleet_synth)
    applies = [job_id for job_id in workflow["jobs"] if job_id.startswith("apply-")]
    for job_id in applies:
        condition = workflow["jobs"][job_id]["if"]
        assert condition.startswith("${{ !cancelled() &&") and f"needs.plan-{job_id.removeprefix('apply-')}.result == 'success'" in condition, job_id
    deployed = workflow["jobs"]["mark-deployed"]["if"]
    for job_id in applies:
        wave = job_id.removeprefix("apply-")
        assert f"(needs.synth.outputs.{wave} == '[]' || needs.{job_id}.result == 'success')" in deployed, wave


WILDCARDS = yaml.safe_load((ROOT / "security" / "iam-wildcards.yaml").read_text())


def _statements(synth: Synthesized):
    for name, stack in synth.stacks.items():
        if name.startswith("bootstrap-"):
            for policy in [*resources(stack, "aws_iam_role_policy").values(), *resources(stack, "aws_iam_policy").values()]:
                yield name, json.loads(policy["policy"])["Statement"]


def test_rollout_policies_have_no_wildcard_action_and_only_reviewed_wildcard_resources(fleet_synth: Synthesized) -> None:
    seen = set()
    for name, statements in _statements(fleet_synth):
        for statement in statements:
            actions = listed(statement["Action"])
            assert all(a != "*" and not a.endswith(":*") for a in actions), (name, statement["Sid"])
            if statement["Resource"] in ("*", ["*"]):
                unreviewed = set(actions) - set(WILDCARDS)
                assert not unreviewed, f"{name} {statement['Sid']}: add a reason to security/iam-wildcards.yaml for {sorted(unreviewed)}"
                seen |= set(actions)
    assert set(WILDCARDS) == seen, f"security/iam-wildcards.yaml lists actions no policy uses: {sorted(set(WILDCARDS) - seen)}"
    assert all(isinstance(reason, str) and len(reason) > 20 for reason in WILDCARDS.values())


def test_the_apply_role_cannot_touch_the_rollouts_own_roles(fleet_synth: Synthesized) -> None:
    for name, statements in _statements(fleet_synth):
        denies = [s for s in statements if s["Effect"] == "Deny"]
        if any(s["Sid"] == "NeverTheRolloutsOwnRoles" for s in denies):
            (deny,) = [s for s in denies if s["Sid"] == "NeverTheRolloutsOwnRoles"]
            assert {"iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:AttachRolePolicy"} <= set(deny["Action"])
            assert sorted(arn.rsplit("/", 1)[1] for arn in deny["Resource"]) == ["zeroetl-rollout-apply", "zeroetl-rollout-plan", "zeroetl-rollout-replication"], name


def test_state_buckets_are_versioned_encrypted_private_and_tls_only(fleet_synth: Synthesized) -> None:
    for name, stack in fleet_synth.stacks.items():
        if not name.startswith("bootstrap-"):
            continue
        account = name.removeprefix("bootstrap-")
        buckets = {b["bucket"] for b in resources(stack, "aws_s3_bucket").values()}
        assert buckets and all(account in b for b in buckets), name
        assert all(v["versioning_configuration"]["status"] == "Enabled" for v in resources(stack, "aws_s3_bucket_versioning").values())
        # KMS for the states and their replicas; S3 managed keys for the logs of their requests,
        # the only default a log target supports (tests/test_state_access_logs.py)
        rules = encryption_rules(stack)
        assert {(bucket.endswith("-access-logs"), rule["apply_server_side_encryption_by_default"]["sse_algorithm"]) for bucket, rule in rules.items()} == {(False, "aws:kms"), (True, "AES256")}, name
        assert set(rules) == buckets and len(resources(stack, "aws_s3_bucket_server_side_encryption_configuration")) == len(buckets)
        assert all(all(b[k] is True for k in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")) for b in resources(stack, "aws_s3_bucket_public_access_block").values())
        for policy in resources(stack, "aws_s3_bucket_policy").values():
            (tls,) = [s for s in json.loads(policy["policy"])["Statement"] if s["Effect"] == "Deny"]
            assert tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        assert len(resources(stack, "aws_s3_bucket_lifecycle_configuration")) == len(buckets)


def _allows(statements: list[dict], action: str, resource: str) -> bool:
    """Whether Allow statements grant the action on the resource and no Deny takes it back
    (conditions aside: these calls carry none of the statements' condition keys)."""

    def covers(statement: dict) -> bool:
        actions, resources = listed(statement["Action"]), listed(statement["Resource"])
        return any(fnmatch.fnmatchcase(action, a) for a in actions) and any(fnmatch.fnmatchcase(resource, r) for r in resources)

    return any(covers(s) for s in statements if s["Effect"] == "Allow") and not any(covers(s) for s in statements if s["Effect"] == "Deny")


def test_another_account_reads_only_the_states_of_the_environments_it_shares(fleet_synth: Synthesized) -> None:
    """README, Security model (State): the other account of a cross-account environment may read
    that environment's states, nothing else. Every state key of the fleet (the README's layout,
    written here) is tried against every account's bucket policy."""
    catalog = fleet_synth.catalog
    accounts = {a for env in catalog.environments for a in (env.source_account.account_id, env.target.account_id)}
    tried = 0
    for name, stack in fleet_synth.stacks.items():
        if not name.startswith("bootstrap-"):
            continue
        owner = name.removeprefix("bootstrap-")
        for policy in resources(stack, "aws_s3_bucket_policy").values():
            document = json.loads(policy["policy"])
            bucket = document["Statement"][0]["Resource"][0].removeprefix("arn:aws:s3:::")
            region = bucket.rsplit(f"{owner}-", 1)[1]
            for reader in accounts - {owner}:
                # over TLS, as Terraform reads: the TLS-only Deny's condition does not hold
                tls = {"Bool": {"aws:SecureTransport": "false"}}
                granted = [s for s in document["Statement"] if (s["Effect"] == "Deny" and s.get("Condition") != tls) or s["Principal"] == {"AWS": f"arn:aws:iam::{reader}:root"}]
                for env in catalog.environments:
                    shares = env.cross_account and {owner, reader} == {env.source_account.account_id, env.target.account_id} and env.region == region
                    for layer in ("source", "warehouse", "integration", "target-database"):
                        key = f"arn:aws:s3:::{bucket}/zeroetl/{owner}/{region}/{env.name}/{layer}.tfstate"
                        assert _allows(granted, "s3:GetObject", key) == bool(shares), (owner, reader, key)
                        tried += 1
                assert not _allows(granted, "s3:PutObject", f"arn:aws:s3:::{bucket}/zeroetl/{owner}/{region}/prod/warehouse.tfstate")
    assert tried > 100


def test_the_apply_role_may_create_each_integration_into_its_target(fleet_synth: Synthesized) -> None:
    """Aurora guide (zero-ETL, required permissions) and REFERENCE.md, operator IAM: the caller
    of rds:CreateIntegration also needs redshift:CreateInboundIntegration on the target
    namespace, whose ARN form differs for Serverless and provisioned targets."""
    apply = {name.removeprefix("bootstrap-"): s for name, statements in _statements(fleet_synth) for s in [statements] if any(x["Sid"] == "NeverTheRolloutsOwnRoles" for x in s)}
    uuid = "0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"
    for env in fleet_synth.catalog.environments:
        statements = apply[env.source_account.account_id]
        target = env.target.account_id
        namespace = (
            f"arn:aws:redshift-serverless:{env.region}:{target}:namespace/{uuid}"
            if env.warehouse.type == "serverless"
            else f"arn:aws:redshift:{env.region}:{target}:namespace:{uuid}"
        )
        assert _allows(statements, "redshift:CreateInboundIntegration", namespace), (env.name, namespace)
        for source in env.sources:
            assert _allows(statements, "rds:CreateIntegration", f"arn:aws:rds:{env.region}:{env.source_account.account_id}:cluster:{source.name}"), env.name
        assert not _allows(statements, "redshift:CreateInboundIntegration", namespace.replace(target, "999999999999")), "only the catalog's targets"
    # SNS authorizes subscription calls on no resource type (Service Authorization Reference):
    # a Resource naming topics denies Terraform's update and removal of an alert subscription.
    for statements in apply.values():
        assert _allows(statements, "sns:Unsubscribe", "*") and _allows(statements, "sns:SetSubscriptionAttributes", "*")


def test_every_state_is_written_with_its_buckets_own_key(fleet_synth: Synthesized) -> None:
    """Terraform's S3 backend with `encrypt` alone asks S3 for SSE-S3 (AES256), which overrides
    the bucket's default customer managed key: each backend names the key the bootstrap made
    beside its bucket, in the bucket's account and region."""
    checked = 0
    for name, stack in fleet_synth.stacks.items():
        if name.startswith("bootstrap-"):
            # and one key per replica bucket, named after it; the access-log buckets have none
            # (tests/test_state_access_logs.py)
            assert {key["name"] for key in resources(stack, "aws_kms_alias").values() if not key["name"].endswith("-replica")} == {"alias/zeroetl-tfstate"}, name
            continue
        backend = stack["terraform"]["backend"]["s3"]
        account, region = backend["key"].split("/")[1], backend["region"]
        assert backend["bucket"] == f"zeroetl-tfstate-{account}-{region}", name
        assert backend["encrypt"] is True and backend["kms_key_id"] == f"arn:aws:kms:{region}:{account}:alias/zeroetl-tfstate", name
        checked += 1
    assert checked == 16
