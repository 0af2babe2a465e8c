"""The rollout workflow's plan and apply steps, one stack at a time:

    python3 -m zeroetl.checks.pipeline plan STACK --wave TITLE --order N [--mode review|rollout|drift]
    python3 -m zeroetl.checks.pipeline apply STACK
    python3 -m zeroetl.checks.pipeline summary [--title TEXT] [--max-chars N]
    python3 -m zeroetl.checks.pipeline role STACK plan|apply     # lines for $GITHUB_OUTPUT
    python3 -m zeroetl.checks.pipeline outcome STACK             # after the apply step, always

Standard library only (with plan_guard.py): the plan and apply jobs install Terraform and
nothing else, and run this with the runner's own python3.

`plan` runs `terraform init` and `terraform plan -out` in cdktf.out/stacks/STACK, saves the
plan and its `terraform show -json` under plans/, runs the plan guard on it and writes
plans/STACK.summary.json: counts of adds, changes, replaces and destroys, the stateful
resources touched, and the verdict. Its exit code is the job's colour:
- review (pull requests): a stack whose upstream state does not exist yet (a new
  environment: its warehouse is applied in an earlier wave) is "waiting", not an error;
- rollout (main): the plan that `apply` applies; waiting is an error, since the waves apply
  every upstream before its readers;
- drift (schedule): a plan that changes something (Terraform's -detailed-exitcode 2) is "drift",
  reported, not red.
A guard refusal or a failed plan exits 1. `apply` applies the saved plan file and nothing
else: what was planned and guarded is what changes (Terraform refuses a plan whose state has
moved since); its Terraform output reaches the job log as it runs, and a lock left by a killed
run is reported with the command that clears it. `summary` turns every summary file into one
Markdown report that fits a GitHub comment. `role` names the role (and region, and session
length) a stack's plan or apply job takes from GitHub's token (cdktf.out/rollout/credentials.json).
`apply` records its outcome in applied/STACK.json (applied, failed with what to do, or not
applied and why); `outcome`, run whatever happened before it, records a job that failed before
its apply step. The workflow's follow-up job turns those records into one issue per failed
stack, naming the stack and the run, and closes it once the stack applies.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from zeroetl.checks.plan_guard import STATEFUL_TYPES, change_kind, check_plan, deprecated_versions

PLANS = Path("plans")
APPLIED = Path("applied")
OUTDIR = Path("cdktf.out")
MARKER = "<!-- zeroetl-plan-summary -->"
MISSING_STATE = "Unable to find remote state"
UPSTREAM = re.compile(r"terraform_remote_state\.cross-stack-reference-input-([A-Za-z0-9-]+)")
ALLOW_ENV = "ZEROETL_GUARD_ALLOW"  # space-separated addresses this run may delete or replace
# A pull request's plan and main's apply of one stack may meet at its state lock (S3 lock
# file): wait for the other instead of failing.
LOCK_TIMEOUT = "-lock-timeout=20m"


def _terraform_env() -> dict[str, str]:
    """Terraform as a job runs it: no "run terraform plan next" advice in the log. Every command
    that could prompt (init, plan, apply) is given -input=false itself."""
    return {**os.environ, "TF_IN_AUTOMATION": "1"}


def _terraform(stack_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["terraform", *args], cwd=stack_dir, env=_terraform_env(), capture_output=True, text=True)


def _tail(done: subprocess.CompletedProcess[str], lines: int = 15) -> str:
    return "\n".join((done.stderr.strip() or done.stdout.strip()).splitlines()[-lines:])


def counts(plan: dict[str, Any]) -> dict[str, Any]:
    """Adds, changes, replaces and destroys of a `terraform show -json` plan, and the stateful
    resources it touches (address: action)."""
    tally = {"add": 0, "change": 0, "replace": 0, "destroy": 0}
    stateful: dict[str, str] = {}
    for change in plan.get("resource_changes", []):
        kind = change_kind(change["change"]["actions"])
        if kind is None or change.get("mode") != "managed":
            continue
        tally[kind] += 1
        if change["type"] in STATEFUL_TYPES and kind != "add":
            stateful[change["address"]] = kind
    return {**tally, "stateful": stateful}


def unheard(plan: dict[str, Any]) -> bool:
    """Whether the stack has an alerts topic and no subscription to it: its alarms and events
    would reach no one (an environment without monitoring.alarm_emails)."""
    types = {r["type"] for r in plan.get("configuration", {}).get("root_module", {}).get("resources", [])}
    return "aws_sns_topic" in types and "aws_sns_topic_subscription" not in types


def plan(stack: str, wave: str, order: int, mode: str, outdir: Path = OUTDIR, plans: Path = PLANS) -> int:
    stack_dir = (outdir / "stacks" / stack).resolve()
    plans.mkdir(parents=True, exist_ok=True)
    summary: dict[str, Any] = {"stack": stack, "wave": wave, "order": order, "mode": mode}

    def finish(status: str, code: int, **fields: Any) -> int:
        summary.update(status=status, **fields)
        (plans / f"{stack}.summary.json").write_text(json.dumps(summary), encoding="utf-8")
        print(f"{stack}: {status}" + (f": {fields['detail']}" if fields.get("detail") else ""), file=sys.stderr if code else sys.stdout)
        return code

    if not (stack_dir / "cdk.tf.json").is_file():
        return finish("failed", 1, detail=f"{stack_dir} holds no cdk.tf.json: the synth job's artifact is missing or stale")
    init = _terraform(stack_dir, "init", "-input=false", "-no-color")
    if init.returncode != 0:
        return finish("failed", 1, detail=_tail(init))
    plan_file = (plans / f"{stack}.tfplan").resolve()
    # -detailed-exitcode: 2 when the plan changes something, which only the drift mode reports
    done = _terraform(stack_dir, "plan", "-input=false", "-no-color", LOCK_TIMEOUT, f"-out={plan_file}", "-detailed-exitcode")
    if done.returncode not in (0, 2):
        if MISSING_STATE in done.stderr + done.stdout:
            upstream = sorted(set(UPSTREAM.findall(done.stderr + done.stdout)))
            if mode == "review":
                return finish("waiting", 0, waiting_for=upstream, detail=f"plans once {', '.join(upstream) or 'its upstream'} is applied (an earlier wave)")
        return finish("failed", 1, detail=_tail(done))
    shown = _terraform(stack_dir, "show", "-json", "-no-color", str(plan_file))
    if shown.returncode != 0:
        return finish("failed", 1, detail=_tail(shown))
    document = json.loads(shown.stdout)
    (plans / f"{stack}.json").write_text(shown.stdout, encoding="utf-8")
    allowed = frozenset(os.environ.get(ALLOW_ENV, "").split())
    findings = [str(f) for f in check_plan(document, stack, allowed, deprecated_versions(outdir))]
    fields = {**counts(document), "findings": findings, "unheard": unheard(document)}
    if findings:
        return finish("refused", 1, detail="; ".join(findings), **fields)
    if mode == "drift":
        return finish("drift" if done.returncode == 2 else "in-sync", 0, **fields)
    return finish("planned", 0, **fields)


LOCK_ID = re.compile(r"^\s*ID:\s+(\S+)", re.MULTILINE)
# GitHub refuses a comment body over 65,536 characters; a margin for the marker and the title.
COMMENT_LIMIT = 60_000


def _streamed(stack_dir: Path, *args: str) -> tuple[int, str]:
    """Run Terraform with its output going to the job log line by line; (exit code, output)."""
    with subprocess.Popen(["terraform", *args], cwd=stack_dir, env=_terraform_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as proc:
        lines = []
        for line in proc.stdout:  # type: ignore[union-attr]
            print(line, end="", flush=True)
            lines.append(line)
    return proc.returncode, "".join(lines)


def lock_hint(stack: str, output: str) -> str:
    """The command that clears a lock a killed run left, if the output says the state is locked."""
    if "Error acquiring the state lock" not in output:
        return ""
    found = LOCK_ID.search(output)
    lock = found.group(1) if found else "LOCK_ID"
    return (
        f"{stack}: its state is locked. If no other run of this stack is under way (a killed run leaves its lock, which never "
        f"expires), clear it with the apply role's credentials: cd cdktf.out/stacks/{stack} && terraform init && terraform force-unlock -force {lock}"
    )


def _plan_summary(stack: str, plans: Path) -> dict[str, Any]:
    """The stack's plans/STACK.summary.json, or a "missing" status when its plan job left none."""
    summary_file = plans / f"{stack}.summary.json"
    return json.loads(summary_file.read_text(encoding="utf-8")) if summary_file.is_file() else {"status": "missing"}


def _record(stack: str, wave: str, status: str, detail: str, applied: Path) -> None:
    """applied/STACK.json: the apply's outcome, with the wave its plan names."""
    applied.mkdir(parents=True, exist_ok=True)
    (applied / f"{stack}.json").write_text(json.dumps({"stack": stack, "wave": wave, "status": status, "detail": detail}), encoding="utf-8")


def apply(stack: str, outdir: Path = OUTDIR, plans: Path = PLANS, applied: Path = APPLIED) -> int:
    """Apply the saved plan of the stack, if its summary says it was planned and passed the guard."""
    planned = _plan_summary(stack, plans)
    status, wave = planned["status"], planned.get("wave", "")
    if status != "planned":
        message = f"{stack}: not applied: its plan is {status}, not planned and guarded"
        print(message, file=sys.stderr)
        _record(stack, wave, "failed", message, applied)
        return 1
    stack_dir = (outdir / "stacks" / stack).resolve()
    for args in (["init", "-input=false", "-no-color"], ["apply", "-input=false", "-no-color", LOCK_TIMEOUT, str((plans / f"{stack}.tfplan").resolve())]):
        code, output = _streamed(stack_dir, *args)
        if code != 0:
            message = f"{stack}: terraform {args[0]} failed (exit {code}); the output is in the job log"
            print(message, file=sys.stderr)
            hint = lock_hint(stack, output)
            if hint:
                print(hint, file=sys.stderr)
            errors = [line for line in output.splitlines() if line.startswith("Error:")][:5]
            _record(stack, wave, "failed", "\n".join([message, *errors, *([hint] if hint else [])]), applied)
            return 1
    _record(stack, wave, "applied", "", applied)
    return 0


def outcome(stack: str, plans: Path = PLANS, applied: Path = APPLIED) -> int:
    """Record a job that failed before its apply step ran (credentials, setup): the apply step
    records every other outcome itself."""
    if not (applied / f"{stack}.json").is_file():
        message = f"{stack}: the job failed before its apply step (credentials or setup); nothing was applied. See the job log."
        _record(stack, _plan_summary(stack, plans).get("wave", ""), "failed", message, applied)
    return 0


ROW_HEADER = "| wave | stack | add | change | replace | destroy | stateful resources touched | guard |"
ROW_RULE = "| --- | --- | ---: | ---: | ---: | ---: | --- | --- |"
VERDICT = {
    "planned": "ok",
    "in-sync": "in sync",
    "drift": "**drift**",
    "waiting": "waits",
    "refused": "**refused**",
    "failed": "**plan failed**",
}


def _verdict(status: str) -> str:
    """A plan's status as the report shows it; a status this version does not know, as it is."""
    return VERDICT.get(status, status)


def role(stack: str, kind: str, outdir: Path = OUTDIR) -> str:
    """`arn=`, `region=`, `audience=` and `seconds=` lines for the stack's plan or apply job."""
    table = json.loads((outdir / "rollout" / "credentials.json").read_text(encoding="utf-8"))
    if stack not in table:
        raise SystemExit(f"{stack}: not in {outdir}/rollout/credentials.json (the synth job's artifact is stale)")
    row = table[stack]
    return f"arn={row[f'{kind}_role_arn']}\nregion={row['region']}\naudience={row['audience']}\nseconds={row[f'{kind}_session_seconds']}\n"


def summary(plans: Path = PLANS, title: str = "zeroetl plan", max_chars: int = COMMENT_LIMIT) -> str:
    """One Markdown report of every plans/*.summary.json, in wave order (as the files name it).
    Past max_chars (a large fleet), the report counts each wave's verdicts and lists only the
    stacks that need a reader (refused, failed, drifted, or touching stateful resources), as far
    as they fit; every stack's row is in its plan job's summary and artifact."""
    rows = _rows(plans)
    full = _summary(rows, title)
    if len(full) <= max_chars:
        return full
    lines = [MARKER, f"### {title}: {len(rows)} stack(s)", "", "Too many stacks for one comment: counts per wave, then the stacks that need a reader. Every stack's plan is in its plan job's summary and its `plan-<stack>` artifact.", ""]
    lines += ["| wave | stacks | verdicts |", "| --- | ---: | --- |"]
    waves: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        waves.setdefault(row["wave"], []).append(row)
    for wave, members in waves.items():
        tally: dict[str, int] = {}
        for row in members:
            tally[row["status"]] = tally.get(row["status"], 0) + 1
        lines.append(f"| {wave} | {len(members)} | {', '.join(f'{_verdict(k)}: {v}' for k, v in sorted(tally.items()))} |")
    lines += ["", ROW_HEADER, ROW_RULE]
    attention = [_row(row) for row in rows if row["status"] not in ("planned", "in-sync", "waiting") or row.get("stateful")]
    # The report of `lines` is "\n".join(lines + [""]): each line and its newline. A row is listed
    # if the report still fits with it and with the line that counts the rows left after it.
    size = sum(len(line) + 1 for line in lines)
    listed = 0
    for line in attention:
        left = _more(len(attention) - listed - 1)
        if size + len(line) + 1 + (len(left) + 1 if left else 0) > max_chars:
            break
        lines.append(line)
        size += len(line) + 1
        listed += 1
    left = _more(len(attention) - listed)
    return "\n".join(lines + ([left] if left else []) + [""])


def _more(count: int) -> str:
    """The closing line of a report that could not list `count` stacks that need a reader."""
    return f"\n... and {count} more stack(s) that need a reader: see the plan jobs' summaries." if count else ""


def _rows(plans: Path) -> list[dict[str, Any]]:
    rows = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(plans.glob("**/*.summary.json"))]
    rows.sort(key=lambda r: (r["order"], r["stack"]))
    return rows


def _row(row: dict[str, Any]) -> str:
    stateful = ", ".join(f"`{address}` ({action})" for address, action in row.get("stateful", {}).items()) or "none"
    numbers = [str(row.get(key, "")) for key in ("add", "change", "replace", "destroy")]
    verdict = _verdict(row["status"])
    if row["status"] in ("waiting", "refused", "failed"):
        verdict += ": " + row["detail"].replace("\n", " ").replace("|", "\\|")[:300]
    if row.get("unheard"):
        verdict += " · its alerts reach no one (no monitoring.alarm_emails)"
    return f"| {row['wave']} | `{row['stack']}` | {' | '.join(numbers)} | {stateful} | {verdict} |"


def _summary(rows: list[dict[str, Any]], title: str) -> str:
    lines = [MARKER, f"### {title}: {len(rows)} stack(s)", ""]
    if not rows:
        return "\n".join(lines + ["No stack differs from the base: nothing to plan.", ""])
    lines += [ROW_HEADER, ROW_RULE]
    lines += [_row(row) for row in rows]
    return "\n".join(lines + [""])


def main(argv: list[str] | None = None) -> int:
    # Help texts sit on lines of their own: prose for people, left out of mutation testing
    # (pyproject.toml's do_not_mutate_patterns); every other argument is behaviour and tested.
    parser = argparse.ArgumentParser(
        prog="python3 -m zeroetl.checks.pipeline",
        description=__doc__.split("\n\n")[0],
    )
    commands = parser.add_subparsers(dest="command", required=True)
    planning = commands.add_parser(
        "plan",
        help="plan one stack, save the plan, guard it, summarize it",
    )
    planning.add_argument("stack")
    planning.add_argument(
        "--wave", default="",
        help="the wave's title, for the summary",
    )
    planning.add_argument(
        "--order", type=int, default=0,
        help="the wave's place in the rollout, for the summary's order",
    )
    planning.add_argument("--mode", choices=("review", "rollout", "drift"), default="review")
    applying = commands.add_parser(
        "apply",
        help="apply one stack's saved, guarded plan",
    )
    applying.add_argument("stack")
    summarizing = commands.add_parser(
        "summary",
        help="Markdown of every plans/*.summary.json",
    )
    summarizing.add_argument("--title", default="zeroetl plan")
    summarizing.add_argument(
        "--max-chars", type=int, default=COMMENT_LIMIT,
        help="the report's limit (a GitHub comment's, less a margin)",
    )
    recording = commands.add_parser(
        "outcome",
        help="record a job that failed before its apply step (run always, after it)",
    )
    recording.add_argument("stack")
    roles = commands.add_parser(
        "role",
        help="the role a stack's plan or apply job assumes, as $GITHUB_OUTPUT lines",
    )
    roles.add_argument("stack")
    roles.add_argument("kind", choices=("plan", "apply"))
    args = parser.parse_args(argv)
    if args.command == "role":
        print(role(args.stack, args.kind), end="")
        return 0
    if args.command == "plan":
        return plan(args.stack, args.wave, args.order, args.mode)
    if args.command == "apply":
        return apply(args.stack)
    if args.command == "outcome":
        return outcome(args.stack)
    print(summary(title=args.title, max_chars=args.max_chars))
    return 0


if __name__ == "__main__":
    sys.exit(main())
