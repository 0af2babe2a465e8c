"""The rendered rollout workflow, run end to end on a real Actions engine (act) on this machine,
offline, for the three events it handles: push to main, a pull request, the schedule.

The repository is a temporary clone of this project with the example fleet's workflow
committed in .github/workflows/; its "origin" is a local bare repository. Third-party actions
are replaced by the stand-ins in tests/act/ (see its README): AWS is the emulator of
tests/emulator, into which the apply jobs apply each saved plan for real (the bring-your-own
environment's cluster, network and warehouse made there first, as the team once made them);
states live in a directory, artifacts and the cache in others, GitHub's API is a JSON file.
"""

from __future__ import annotations

import os
import shutil
import subprocess

from pathlib import Path

import pytest
import yaml

from tests.act.engine import PYTHON, WORKFLOW, World, make_world, why
from tests.emulator.brought_in import bring_in, client, named_groups, renamed
from tests.emulator.fixture import Emulator

# a worker of its own under scripts/test: its minutes are the provider's waiters (tests/parallel.py)
pytestmark = pytest.mark.xdist_group("emulator-rollout")

CATALOG = "catalog/fleet.yaml"
FLEET = {f"{env}-{layer}" for env in ("dev", "prod", "eu", "legacy") for layer in ("source", "warehouse", "integration", "target-database")}
QA = '''  - name: qa
    region: us-east-1
    rollout_wave: 0
    source_account: {account_id: "111111111111", role_arn: "arn:aws:iam::111111111111:role/zeroetl-deployer"}
    network:
      vpc_cidr: 10.60.0.0/16
      availability_zones: [us-east-1a, us-east-1b, us-east-1c]
    sources:
      - name: orders
        cluster_identifier: qa-orders
        integration: {integration_name: qa-orders-zero-etl}
        target_database: {database_name: orders}
    warehouse:
      namespace_name: qa-analytics
      workgroup_name: qa-analytics

'''


@pytest.fixture(scope="module")
def world(emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> World:
    """The clone with the workflow on main, pushed; what the catalog says exists (the legacy
    environment's cluster, network and warehouse, prod's operator role) made in the emulator,
    and the emulator's ids written into the catalog."""

    def bring_in_what_exists(path: Path) -> None:
        text = path.read_text()
        for entry in yaml.safe_load(text)["environments"]:
            existing = bring_in(emulator, entry, configured=True)
            for old, new in renamed(entry, existing):
                text = text.replace(old, new)
            text = named_groups(text, existing)
        path.write_text(text)

    return make_world(tmp_path_factory.mktemp("act"), CATALOG, bring_in_what_exists, emulator.url)


@pytest.fixture(scope="module")
def first_rollout(world: World) -> tuple[int, str]:
    return world.act("push", {"ref": "refs/heads/main"}, "push-1")


def test_push_to_main_applies_every_stack_wave_by_wave_from_saved_plans(world: World, first_rollout: tuple[int, str], emulator: Emulator) -> None:
    code, log = first_rollout
    assert code == 0, why(log)
    applied = world.applied()
    assert sorted(applied) == sorted(FLEET), "no deployed tag yet: every stack, each once"
    position = {stack: applied.index(stack) for stack in applied}
    for env in ("dev", "prod", "eu", "legacy"):
        assert position[f"{env}-source"] < position[f"{env}-warehouse"] < position[f"{env}-integration"] < position[f"{env}-target-database"]
    assert max(position[f"{env}-target-database"] for env in ("dev", "legacy")) < min(position[f"{env}-source"] for env in ("prod", "eu")), "wave 0 before wave 1"
    summaries = world.summaries("push-1")
    assert {name: s["status"] for name, s in summaries.items()} == {stack: "planned" for stack in FLEET}
    assert all(s["mode"] == "rollout" and not s["findings"] for s in summaries.values())
    # what was applied is the plan file the plan job saved, applied by Terraform into the emulator
    created = emulator.calls("CreateIntegration")
    assert sorted(c["params"]["IntegrationName"] for c in created) == sorted(
        ["dev-orders-zero-etl", "prod-orders-zero-etl", "prod-payments-zero-etl", "eu-orders-zero-etl", "crm-zero-etl"]
    )
    assert all(c["error"] is None for c in created + emulator.calls("ExecuteStatement"))
    assert "cache miss" in log and "cache saved as zeroetl-synth-" in log, "the synth job saves the synthesis cache"
    # each plan and apply job asked GitHub's token for its account's rollout role of its kind,
    # for as long as the job may run, with STS's audience (the stand-in's roles.log)
    roles = [line.split() for line in (world.root / "state" / "roles.log").read_text().splitlines()]
    for job, role, seconds, _, audience in roles:
        kind = job.split("-", 1)[0]
        assert role.endswith(f":role/zeroetl-rollout-{kind}") and seconds == {"plan": "3600", "apply": "10800"}[kind] and audience == "sts.amazonaws.com", (job, role)
    assert sorted(r[0].split("-", 1)[0] for r in roles) == ["apply"] * len(FLEET) + ["plan"] * len(FLEET)
    # and GitHub's token became each of them under the trust policies the bootstrap applied
    assert len(world.assumed()) == len(roles) and all(entry[1:2] + entry[3:] == ["push", "allowed"] for entry in world.assumed()), world.assumed()
    head = world.git("rev-parse", "HEAD")
    assert subprocess.run(["git", "-C", str(world.remote), "rev-parse", "zeroetl-deployed"], capture_output=True, text=True).stdout.strip() == head


def test_pull_request_plans_only_what_changed_and_comments_once(world: World, first_rollout: tuple[int, str]) -> None:
    world.git("checkout", "-q", "-B", "feature", "main")
    catalog = world.work / CATALOG
    text = catalog.read_text().replace("max_capacity: 32", "max_capacity: 64", 1)
    catalog.write_text(text.replace("  # Cross-account: two Aurora sources", QA + "  # Cross-account: two Aurora sources", 1))
    world.commit("dev: more capacity; a new qa environment", "feature")
    payload = {"number": 7, "pull_request": {"number": 7, "base": {"ref": "main"}, "head": {"ref": "feature"}}}
    code, log = world.act("pull_request", payload, "pr-1")
    assert code == 0, why(log)
    assert "cache restored from zeroetl-synth-" in log, "the synth job starts from main's synthesis cache"
    status = {name: s["status"] for name, s in world.summaries("pr-1").items()}
    assert status == {
        "dev-warehouse": "planned",
        "dev-integration": "planned",
        "dev-target-database": "planned",
        "qa-source": "planned",
        # a new environment: what reads a state not applied yet waits, and the job is green
        "qa-warehouse": "waiting",
        "qa-integration": "waiting",
        "qa-target-database": "waiting",
    }
    assert len(world.applied()) == len(FLEET), "a pull request applies nothing"
    comments = world.github()["comments"]
    assert len(comments) == 1 and comments[0]["issue_number"] == 7
    body = comments[0]["body"]
    assert body.startswith("<!-- zeroetl-plan-summary -->") and "7 stack(s)" in body
    assert "| wave 0 warehouses | `qa-warehouse` |" in body and "waits: plans once qa-source is applied" in body
    assert "| wave 0 warehouses | `dev-warehouse` |" in body and "| ok |" in body
    # a second push to the pull request updates the one comment
    (world.work / CATALOG).write_text((world.work / CATALOG).read_text().replace("max_capacity: 64", "max_capacity: 128", 1))
    world.commit("dev: even more capacity", "feature")
    code, log = world.act("pull_request", payload, "pr-2")
    assert code == 0, why(log)
    github = world.github()
    assert len(github["comments"]) == 1 and [c["name"] for c in github["calls"]] == ["createComment", "updateComment"]
    world.git("checkout", "-q", "main")


def test_schedule_finds_drift_exactly_where_aws_was_changed_behind_terraforms_back(world: World, first_rollout: tuple[int, str], emulator: Emulator) -> None:
    code, log = world.act("schedule", {"schedule": "17 5 * * 1-5"}, "schedule-1")
    assert code == 0, why(log)
    summaries = world.summaries("schedule-1")
    assert set(summaries) == FLEET and all(s["mode"] == "drift" for s in summaries.values())
    assert {name: s["status"] for name, s in summaries.items() if s["status"] != "in-sync"} == {}, "just applied: no drift"
    assert world.github()["issues"] == []
    # someone sets binlog_format to MIXED on dev-orders' parameter group in the console
    rds = client(emulator, "rds", "111111111111", "us-east-1")
    group = rds.describe_db_clusters(DBClusterIdentifier="dev-orders")["DBClusters"][0]["DBClusterParameterGroup"]
    rds.modify_db_cluster_parameter_group(
        DBClusterParameterGroupName=group,
        Parameters=[{"ParameterName": "binlog_format", "ParameterValue": "MIXED", "ApplyMethod": "pending-reboot"}],
    )
    code, log = world.act("schedule", {"schedule": "17 5 * * 1-5"}, "schedule-2")
    assert code == 0, why(log)
    drifted = {name for name, s in world.summaries("schedule-2").items() if s["status"] == "drift"}
    assert drifted == {"dev-source"}
    issues = world.github()["issues"]
    assert [(i["title"], i["labels"], i["state"]) for i in issues] == [("Drift: dev-source", ["zeroetl-drift"], "open")]
    # put back (the parameter group as the catalog has it) and the issue closes
    rds.modify_db_cluster_parameter_group(
        DBClusterParameterGroupName=group,
        Parameters=[{"ParameterName": "binlog_format", "ParameterValue": "ROW", "ApplyMethod": "pending-reboot"}],
    )
    # a change merged to main but not rolled out yet (it waits for approval) is not drift: the
    # schedule plans the deployed tag
    catalog = world.work / CATALOG
    catalog.write_text(catalog.read_text().replace("  - name: dev\n", '  - name: dev\n    tags: {cost-center: "42"}\n', 1))
    undeployed = world.commit("dev gets a cost centre, not rolled out yet", "main")
    code, log = world.act("schedule", {"schedule": "17 5 * * 1-5"}, "schedule-3")
    assert code == 0, why(log)
    assert {s["status"] for s in world.summaries("schedule-3").values()} == {"in-sync"}
    deployed = world.deployed()
    assert deployed != undeployed and deployed in log, "the synth job's output names the tag's commit"
    assert [(i["title"], i["state"]) for i in world.github()["issues"]] == [("Drift: dev-source", "closed")]


def test_the_dollar_dollar_break_fails_on_the_engine(world: World, first_rollout: tuple[int, str]) -> None:
    """The break issue 12 found: the template rendered every expression as `$${{ ... }}`, which
    actionlint accepts. Reproduced in the template itself, so the workflow is still the one
    the catalog renders and only the stray `$` can fail the run."""
    world.git("checkout", "-q", "-B", "broken", "main")
    template = world.work / "templates" / "rollout" / "github-workflow.yml.j2"
    template.write_text(template.read_text().replace("{{ '${{' }}", "{{ '$${{' }}"))
    out = world.root / "broken-render"
    subprocess.run([str(PYTHON), "main.py", "--catalog", CATALOG], cwd=world.work, env={**os.environ, "CDKTF_OUTDIR": str(out)}, capture_output=True, check=True)
    shutil.copy(out / "rollout" / "github-workflow.yml", world.work / WORKFLOW)
    assert "$${{ matrix.stack }}" in (world.work / WORKFLOW).read_text()
    world.commit("the $$ break", "broken")
    payload = {"number": 8, "pull_request": {"number": 8, "base": {"ref": "main"}, "head": {"ref": "broken"}}}
    code, log = world.act("pull_request", payload, "broken")
    world.git("checkout", "-q", "main")
    assert code != 0
    assert "zeroetl rollout/synth] 🏁  Job succeeded" in log, "the workflow is the rendered one: synthesis passes"
    assert "Synthesize $catalog/fleet.yaml" in log, "the engine keeps the stray `$`"
    assert "Invalid JSON" in log, "the synth job's outputs reach the matrix as `$[...]`, which fromJSON refuses"


def test_a_failed_apply_leaves_its_wave_applied_opens_an_issue_and_the_next_run_converges(
    world: World, first_rollout: tuple[int, str], emulator: Emulator
) -> None:
    """Two stacks of one wave change; AWS refuses the statement of one. Its sibling is applied
    all the same (no fail-fast), the run is red, the tag stays, and the follow-up job opens one
    issue naming the stack and the run. Pushed again, the same commit converges: the failed
    stack applies from a fresh plan and its issue closes."""
    catalog = world.work / CATALOG
    text = catalog.read_text()
    text = text.replace("target_database: {database_name: orders, refresh_interval: 60}", "target_database: {database_name: orders, refresh_interval: 120}", 1)
    eu_orders = "integration: {integration_name: eu-orders-zero-etl}\n        target_database: {database_name: orders}"
    assert eu_orders in text
    text = text.replace(eu_orders, eu_orders.replace("{database_name: orders}", "{database_name: orders, refresh_interval: 300}"))
    catalog.write_text(text)
    head = world.commit("prod and eu orders refresh less often", "main")

    def tagged() -> str:  # the tag as the remote has it (mark-deployed pushes it there)
        world.git("fetch", "-q", "--tags", "--force", "origin")
        return world.deployed()

    deployed = tagged()
    emulator.post("fail-next-statement", {"containing": "eu-analytics"})
    before = len(emulator.calls("ExecuteStatement"))
    code, log = world.act("push", {"ref": "refs/heads/main"}, "push-failing")
    assert code != 0, "a failed apply makes the run red"
    def ran() -> list[tuple[str, str]]:  # (warehouse, statement) of each Data API call since the change
        return [
            (c["params"].get("WorkgroupName") or c["params"].get("ClusterIdentifier"), c["params"]["Sql"].split(" SET ")[0])
            for c in emulator.calls("ExecuteStatement")[before:]
        ]

    alter = "ALTER DATABASE orders INTEGRATION"
    assert sorted(ran()) == [("eu-analytics", alter), ("prod-analytics", alter)], "both ran; AWS failed eu's statement"
    assert "last error: ERROR: failed as the test asked ('eu-analytics')" in log
    assert tagged() == deployed != head, "the tag stays where it was"
    failed = [i for i in world.github()["issues"] if i["title"].startswith("Apply failed")]
    assert [(i["title"], i["labels"], i["state"]) for i in failed] == [("Apply failed: eu-target-database", ["zeroetl-apply-failed"], "open")]
    assert "/actions/runs/" in failed[0]["body"] and "eu-target-database: terraform apply failed" in failed[0]["body"]
    code, log = world.act("push", {"ref": "refs/heads/main"}, "push-again")
    assert code == 0, why(log)
    assert sorted(ran()) == [("eu-analytics", alter), ("eu-analytics", alter), ("prod-analytics", alter)], "eu again, prod not"
    assert "REFRESH_INTERVAL 300" in emulator.calls("ExecuteStatement")[-1]["params"]["Sql"]
    assert [(i["title"], i["state"]) for i in world.github()["issues"] if i["title"].startswith("Apply failed")] == [("Apply failed: eu-target-database", "closed")]
    assert tagged() == head


def test_a_pull_request_that_rewrites_the_workflow_reaches_no_apply_role(world: World, first_rollout: tuple[int, str], emulator: Emulator) -> None:
    """Issue 19. A pull request runs its own copy of the workflow and its own code: main.py in
    the synth job, its Terraform in the plan jobs (an `external` data source is code run there,
    with whatever credentials the job holds). This one goes further than a data source can: its
    plan jobs ask for the apply role, and one of them names its wave's environment, whose token
    an apply role trusts. GitHub refuses the job that names an environment off main (the
    deployment branch policy `main.py github-environments` sets); STS, under the trust policies
    the bootstrap applied, refuses the others; nothing is applied."""
    applied, asked = world.applied(), len(world.assumed())
    world.git("checkout", "-q", "-B", "hostile", "main")
    catalog = world.work / CATALOG
    catalog.write_text(catalog.read_text().replace("max_capacity: 32", "max_capacity: 48", 1))
    workflow = world.work / WORKFLOW
    text = workflow.read_text()
    assert text.count('role "$STACK" plan') == 8 and "  plan-wave-0-warehouses:\n" in text
    text = text.replace('role "$STACK" plan', 'role "$STACK" apply')
    text = text.replace("if ! cmp -s .github/workflows/", "if false && ! cmp -s .github/workflows/")  # its own check of the workflow, off
    workflow.write_text(text.replace("  plan-wave-0-warehouses:\n", "  plan-wave-0-warehouses:\n    environment: wave-0-warehouses\n"))
    world.commit("dev: a little more capacity", "hostile")
    payload = {"number": 9, "pull_request": {"number": 9, "base": {"ref": "main"}, "head": {"ref": "hostile"}}}
    code, log = world.act("pull_request", payload, "hostile")
    world.git("checkout", "-q", "main")
    assert code != 0 and "Could not assume role with OIDC" in log
    requests = {entry[0]: entry[1:] for entry in world.assumed()[asked:]}
    assert set(requests) == {"plan-wave-0-warehouses", "plan-wave-0-integrations", "plan-wave-0-databases"}, requests
    assert all(event == "pull_request" and role.endswith(":role/zeroetl-rollout-apply") and verdict == "refused" for event, role, verdict, *_ in requests.values())
    assert " ".join(requests["plan-wave-0-warehouses"][3:]).startswith('GitHub: "refs/pull/9/merge" is not allowed to deploy to wave-0-warehouses')
    for job in ("plan-wave-0-integrations", "plan-wave-0-databases"):
        assert " ".join(requests[job][3:]) == "STS: Not authorized to perform sts:AssumeRoleWithWebIdentity (repo:example-org/data-platform:pull_request)"
    assert world.summaries("hostile") == {}, "no plan ran: every plan job stopped at its credentials"
    assert world.applied() == applied


def test_a_guard_refusal_on_main_stops_every_later_step_and_keeps_the_tag(world: World, first_rollout: tuple[int, str], emulator: Emulator) -> None:
    """Issue 23. Pushed together to main: dev's cluster renamed (Terraform replaces an Aurora
    cluster, which loses its data, and the guard refuses it) and more capacity for prod, a wave
    later. The refused plan fails its job; nothing of it is applied; no later step of wave 0
    and nothing of wave 1 is planned or applied; the deployed tag stays."""
    world.git("fetch", "-q", "--tags", "--force", "origin")
    deployed, applied = world.deployed(), world.applied()
    catalog = world.work / CATALOG
    text = catalog.read_text()
    assert "cluster_identifier: dev-orders\n" in text and "max_capacity: 256\n" in text
    catalog.write_text(text.replace("cluster_identifier: dev-orders\n", "cluster_identifier: dev-orders-v2\n").replace("max_capacity: 256\n", "max_capacity: 512\n"))
    head = world.commit("dev's cluster gets a new name; prod more capacity", "main")
    code, log = world.act("push", {"ref": "refs/heads/main"}, "push-refused")
    assert code != 0, "a refused plan makes the run red"
    summaries = world.summaries("push-refused")
    assert {name: s["status"] for name, s in summaries.items()} == {"dev-source": "refused"}, "no later step planned"
    assert "aws_rds_cluster" in summaries["dev-source"]["detail"] and "would be replaced" in summaries["dev-source"]["detail"]
    assert world.applied() == applied and not emulator.calls("DeleteDBCluster")
    world.git("fetch", "-q", "--tags", "--force", "origin")
    assert world.deployed() == deployed != head
