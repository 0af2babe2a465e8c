"""The act stand-in for configure-aws-credentials decides as GitHub and STS would
(tests/act/assume.py), checked here on the synthesized fleet before the act runs rely on it:
every plan and apply job of the rendered workflow gets its role for the events it runs on, and
each way a pull request could rewrite its own copy of the workflow is refused, by STS (the
apply role for a pull request's job) or by GitHub (a wave environment off the default branch)."""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from tests.act.assume import decide
from tests.act.engine import trust_as_applied
from tests.harness import Synthesized
from tests.trust import AUD, loosenings
from zeroetl.rollout.waves import waves

MAIN = {"GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/main"}
PULL_REQUEST = {"GITHUB_EVENT_NAME": "pull_request", "GITHUB_REF": "refs/pull/9/merge"}


@pytest.fixture(scope="module")
def fleet(fleet_synth: Synthesized) -> tuple[dict, dict, dict, dict[str, set[str]]]:
    """(applied trust, the rendered workflow, credentials.json, the accounts of each wave)."""
    trust = trust_as_applied(fleet_synth.outdir, fleet_synth.catalog)
    credentials = json.loads((fleet_synth.outdir / "rollout" / "credentials.json").read_text())
    accounts = {wave.id: {job.account_id for job in wave.jobs} for wave in waves(fleet_synth.catalog)}
    return trust, yaml.safe_load(fleet_synth.rollout["github-workflow.yml"]), credentials, accounts


def _jobs(workflow: dict, kind: str) -> list[str]:
    return [job for job in workflow["jobs"] if job.startswith(f"{kind}-")]


def test_each_job_of_the_workflow_gets_the_role_it_asks_for_where_it_runs(fleet) -> None:
    trust, workflow, credentials, accounts = fleet
    assert trust["repository"] == "example-org/data-platform" and set(trust["environments"]) == set(accounts)
    assert set(trust["environments"].values()) == {"main"}
    checked = 0
    for row in credentials.values():
        for job in _jobs(workflow, "plan"):
            # act names a scheduled run's ref as the checkout has it: the deployed tag
            for event in (MAIN, PULL_REQUEST, {"GITHUB_EVENT_NAME": "schedule", "GITHUB_REF": "refs/tags/zeroetl-deployed"}):
                assert decide(row["plan_role_arn"], AUD, {**event, "GITHUB_JOB": job}, trust, workflow) == "", (job, event)
        for job in _jobs(workflow, "apply"):
            refused = decide(row["apply_role_arn"], AUD, {**MAIN, "GITHUB_JOB": job}, trust, workflow)
            assert (refused == "") == (row["account_id"] in accounts[workflow["jobs"][job]["environment"]]), (job, row, refused)
            checked += refused == ""
    assert checked >= len(credentials)


def test_a_pull_request_that_rewrites_its_workflow_gets_no_apply_role(fleet) -> None:
    trust, workflow, credentials, _ = fleet
    job = _jobs(workflow, "plan")[0]
    apply_role = next(iter(credentials.values()))["apply_role_arn"]
    # its plan job asks for the apply role
    refused = decide(apply_role, AUD, {**PULL_REQUEST, "GITHUB_JOB": job}, trust, workflow)
    assert refused.startswith("STS: Not authorized to perform sts:AssumeRoleWithWebIdentity") and "pull_request" in refused
    # and names a wave's environment, whose token an apply role trusts
    rewritten = copy.deepcopy(workflow)
    rewritten["jobs"][job]["environment"] = "wave-0-sources"
    refused = decide(apply_role, AUD, {**PULL_REQUEST, "GITHUB_JOB": job}, trust, rewritten)
    assert refused.startswith("GitHub:") and "environment protection rules" in refused
    pushed = decide(apply_role, AUD, {"GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/feature", "GITHUB_JOB": job}, trust, rewritten)
    assert pushed.startswith("GitHub:"), "a push to another branch neither"
    # a job without the id-token permission gets no token at all
    rewritten["jobs"][job]["permissions"] = {"contents": "read"}
    assert decide(apply_role, AUD, {**MAIN, "GITHUB_JOB": job}, trust, rewritten).startswith("GitHub: the job has no id-token")
    # a token for another audience
    plan_role = next(iter(credentials.values()))["plan_role_arn"]
    assert decide(plan_role, "https://github.com/example-org", {**MAIN, "GITHUB_JOB": job}, trust, workflow).startswith("STS:")


def test_with_a_loosened_applied_trust_policy_the_pull_request_gets_through(fleet) -> None:
    """The stand-in can say yes to the attack: with the apply role's subject condition dropped
    (a loosening tests/trust.py lists), the same pull-request job becomes the apply role."""
    trust, workflow, credentials, _ = fleet
    job = _jobs(workflow, "plan")[0]
    apply_role = next(iter(credentials.values()))["apply_role_arn"]
    loose = copy.deepcopy(trust)
    for statement in loose["roles"][apply_role]["Statement"]:
        loosenings()[2](statement["Condition"])
    assert decide(apply_role, AUD, {**PULL_REQUEST, "GITHUB_JOB": job}, loose, workflow) == ""
