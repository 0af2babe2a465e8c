"""Running the rendered rollout workflow under act with the stand-ins of this directory:
a temporary clone of the project with a local "origin", and one act run per event. Used by
tests/test_rollout_act.py and by the rollout benchmark (benchmarks/rollout.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.trust import bootstrap_trust
from zeroetl.catalog.loader import load_catalog
from zeroetl.catalog.model import Catalog
from zeroetl.rollout.accounts import BOOTSTRAP_PREFIX, bootstrap_enabled
from zeroetl.rollout.github_environments import wanted

ROOT = Path(__file__).resolve().parents[2]
ACT = ROOT / ".venv" / "bin" / "act"
PYTHON = ROOT / ".venv" / "bin" / "python"
STAND_INS = ROOT / "tests" / "act" / "actions"
ACTIONS = {
    "actions/checkout@v4": "checkout",
    "actions/setup-python@v5": "setup-python",
    "hashicorp/setup-terraform@v3": "setup-terraform",
    "actions/cache@v4": "cache",
    "actions/upload-artifact@v4": "upload-artifact",
    "actions/download-artifact@v4": "download-artifact",
    "aws-actions/configure-aws-credentials@v4": "configure-aws-credentials",
    "actions/github-script@v7": "github-script",
}
WORKFLOW = ".github/workflows/zeroetl-rollout.yml"


def git(repo: Path, *args: str) -> str:
    """git in a test repository, committing as a CI user; its output, stripped."""
    done = subprocess.run(["git", "-C", str(repo), "-c", "user.email=ci@example.com", "-c", "user.name=ci", *args], capture_output=True, text=True, check=True)
    return done.stdout.strip()


@dataclass
class World:
    root: Path
    work: Path
    remote: Path
    emulator_url: str = ""  # the emulated AWS the jobs apply into; none: offline (README here)

    def git(self, *args: str) -> str:
        return git(self.work, *args)

    def deployed(self) -> str:
        """The commit of the tag zeroetl-deployed, where mark-deployed pushed it: the remote."""
        return git(self.remote, "rev-parse", "zeroetl-deployed^{commit}")

    def commit(self, message: str, branch: str) -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        self.git("push", "-q", "--force", "origin", f"HEAD:refs/heads/{branch}")
        return self.git("rev-parse", "HEAD")

    def act(self, event: str, payload: dict, name: str, json_log: bool = False) -> tuple[int, str]:
        """Run the workflow for the event; (exit code, log). Each run gets its own artifacts,
        as GitHub's runs do; states, cache and the fake GitHub persist across runs."""
        (self.root / f"{name}.json").write_text(json.dumps(payload))
        # --no-skip-checkout: by default act copies this clone as the synth job's workspace and
        # skips its actions/checkout, so the stand-in never linked the toolchain there and every
        # run installed it again (minutes each); and GitHub's checkout brings every tag of the
        # remote, including the one mark-deployed pushed, which a copy of this clone lacks.
        args = [str(ACT), event, "-e", str(self.root / f"{name}.json"), "-W", WORKFLOW, "-P", "ubuntu-latest=-self-hosted", "--no-skip-checkout"]
        args += ["--json"] if json_log else []
        for action, stand_in in ACTIONS.items():
            args += ["--local-repository", f"{action}={STAND_INS / stand_in}"]
        env = {
            "ZEROETL_ACT_REMOTE": self.remote,
            "ZEROETL_ACT_PROJECT": ROOT,
            "ZEROETL_ACT_CACHE": self.root / "cache",
            "ZEROETL_ACT_ARTIFACTS": self.root / "artifacts" / name,
            "ZEROETL_ACT_STATE": self.root / "state",
            "ZEROETL_ACT_GITHUB": self.root / "github.json",
            **({"ZEROETL_ACT_EMULATOR": self.emulator_url} if self.emulator_url else {}),
            **({"ZEROETL_ACT_TRUST": self.root / "trust.json"} if (self.root / "trust.json").exists() else {}),
        }
        for key, value in env.items():
            args += ["--env", f"{key}={value}"]
        # act keeps each job's host workspace under ~/.cache/act: one of its own per test run
        run_env = {**os.environ, "XDG_CACHE_HOME": str(self.root / "xdg"), "HOME": os.environ.get("HOME", "/root")}
        done = subprocess.run(args, cwd=self.work, env=run_env, capture_output=True, text=True, timeout=1800)
        (self.root / f"{name}.log").write_text(done.stdout + done.stderr)
        return done.returncode, done.stdout + done.stderr

    def summaries(self, name: str) -> dict[str, dict]:
        return {p.name.removesuffix(".summary.json"): json.loads(p.read_text()) for p in (self.root / "artifacts" / name).glob("plan-*/*.summary.json")}

    def github(self) -> dict:
        return json.loads((self.root / "github.json").read_text())

    def applied(self) -> list[str]:
        log = self.root / "state" / "applied.log"
        return log.read_text().split() if log.exists() else []

    def assumed(self) -> list[list[str]]:
        """[job, event, role ARN, "allowed" or "refused", why...] of every role a job asked for
        (tests/act/assume.py)."""
        log = self.root / "state" / "assumed.log"
        return [line.split() for line in log.read_text().splitlines()] if log.exists() else []


def why(log: str, lines: int = 60) -> str:
    """What an assertion on a failed run shows: the last lines of each job that failed (act
    prefixes every line with its job's name), not the tail of the whole log, which is the last
    jobs to finish (the follow-up, mark-deployed) whatever failed earlier."""
    every = log.splitlines()
    failed = dict.fromkeys(line.split("]", 1)[0] + "]" for line in every if line.startswith("[") and line.rstrip().endswith("Job failed"))
    parts = ["\n".join([line for line in every if line.startswith(prefix)][-lines:]) for prefix in failed]
    return "\n\n".join(parts) or log[-5000:]


def copy_project(to: Path) -> None:
    """This project's files as the working tree has them (tracked and new, not ignored) into to."""
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, files.decode().split("\0")):
        if (ROOT / name).is_file():
            (to / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, to / name)


def trust_as_applied(out: Path, catalog: Catalog) -> dict:
    """What tests/act/assume.py decides with: the trust policy of each rollout role ARN, as the
    bootstrap stacks of `out` set them; the repository; each wave environment's branch."""
    policies = bootstrap_trust({stack.name: json.loads((stack / "cdk.tf.json").read_text(encoding="utf-8")) for stack in (out / "stacks").glob(f"{BOOTSTRAP_PREFIX}*")})
    roles = {}
    for row in json.loads((out / "rollout" / "credentials.json").read_text(encoding="utf-8")).values():
        for arn in (row["plan_role_arn"], row["apply_role_arn"]):
            roles[arn] = policies[(arn.split(":")[4], arn.rsplit("/", 1)[1])]
    return {
        "repository": catalog.rollout.github_repository,
        "default_branch": catalog.rollout.default_branch,
        "environments": {w.name: w.branch for w in wanted(catalog)},
        "roles": roles,
    }


def make_world(root: Path, catalog: str, edit_catalog=None, emulator_url: str = "") -> World:
    """A clone of this project under root/work whose main holds the workflow rendered for
    `catalog` (a path inside the project; edit_catalog(path) may write it first), pushed to
    the bare repository root/remote.git."""
    work, remote = root / "work", root / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    copy_project(work)
    if edit_catalog is not None:
        edit_catalog(work / catalog)
    subprocess.run(["git", "init", "-q", "-b", "main", str(work)], check=True)
    out = root / "rendered"
    subprocess.run([str(PYTHON), "main.py", "--catalog", catalog], cwd=work, env={**os.environ, "CDKTF_OUTDIR": str(out)}, capture_output=True, check=True)
    (work / WORKFLOW).parent.mkdir(parents=True)
    shutil.copy(out / "rollout" / "github-workflow.yml", work / WORKFLOW)
    loaded = load_catalog(work / catalog)
    if bootstrap_enabled(loaded):  # without it, the roles are the team's own: their trust is unknown here
        (root / "trust.json").write_text(json.dumps(trust_as_applied(out, loaded)))
    world = World(root=root, work=work, remote=remote, emulator_url=emulator_url)
    world.git("remote", "add", "origin", str(remote))
    world.commit("the fleet and its rollout workflow", "main")
    return world
