"""Test harness: synthesize catalogs once, and run Terraform offline against the real provider.

Offline planning needs three things the deployed configuration must not carry, so they live
in files this harness adds beside the synthesized JSON, never in it:
- override.tf.json: dummy credentials and the skip flags (REFERENCE.md). allowed_account_ids
  is lifted because with skip_requesting_account_id the provider knows no account to check.
- upstream state files where the local backend would keep them, holding outputs as
  Terraform would see them after an apply (ARNs with UUIDs that only exist after apply), so
  downstream stacks plan for real instead of being skipped.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zeroetl.catalog.model import Catalog, Environment
from zeroetl.catalog.naming import Layer, stack_name
from zeroetl.checks.upstream import remote_states, state_document, upstream_outputs
from zeroetl.checks.verify import OFFLINE_CREDENTIALS, offline_reads
from zeroetl.render.tfvars import TFVARS_FILE

OFFLINE_PROVIDER = {
    **OFFLINE_CREDENTIALS,
    "allowed_account_ids": None,
    # No role to assume offline. Override files merge nested blocks, so an empty list keeps
    # the catalog's block; an empty role_arn is what the provider reads as "assume nothing".
    "assume_role": [{"role_arn": ""}],
}


@dataclass
class Synthesized:
    """One catalog synthesized into outdir."""

    catalog: Catalog
    outdir: Path
    stacks: dict[str, dict[str, Any]] = field(default_factory=dict)
    tfvars: dict[str, str] = field(default_factory=dict)
    rollout: dict[str, str] = field(default_factory=dict)

    def stack(self, env: Environment, layer: Layer) -> dict[str, Any]:
        return self.stacks[stack_name(env, layer)]

    def stack_dir(self, name: str) -> Path:
        return self.outdir / "stacks" / name


def synthesize_catalog(catalog: Catalog, outdir: Path, catalog_path: str, *, plain: bool = False) -> Synthesized:
    """plain=True synthesizes in this process (no workers): for tests that synthesize many
    small catalogs once the bindings are imported."""
    from zeroetl.synth.run import synthesize_into

    synthesize_into(outdir, catalog, catalog_path, plain=plain)
    result = Synthesized(catalog=catalog, outdir=outdir)
    result.rollout = {p.name: p.read_text() for p in (outdir / "rollout").iterdir()}
    for stack_dir in sorted((outdir / "stacks").iterdir()):
        result.stacks[stack_dir.name] = json.loads((stack_dir / "cdk.tf.json").read_text())
        result.tfvars[stack_dir.name] = (stack_dir / TFVARS_FILE).read_text()
    return result


def resources(config: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    return config.get("resource", {}).get(type_, {})


def only(config: dict[str, Any], type_: str) -> dict[str, Any]:
    found = list(resources(config, type_).values())
    assert len(found) == 1, f"expected one {type_}, found {len(found)}"
    return found[0]


def named(config: dict[str, Any], type_: str, part: str) -> tuple[str, dict[str, Any]]:
    """The one resource of type_ whose logical name contains part: (name, config)."""
    found = [(name, value) for name, value in resources(config, type_).items() if part in name]
    assert len(found) == 1, f"expected one {type_} named *{part}*, found {[n for n, _ in found]}"
    return found[0]


REFERENCE = re.compile(r"^\$\{(aws_[a-z0-9_]+)\.([^.]+)\.(?:id|arn|bucket)\}$")


def referenced(config: dict[str, Any], reference: str) -> dict[str, Any]:
    """The resource of the stack a reference like `${aws_s3_bucket.NAME.id}` names."""
    match = REFERENCE.match(reference)
    assert match, reference
    return resources(config, match.group(1))[match.group(2)]


def encryption_rules(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Bucket name: the rule of its default encryption, in a bootstrap stack."""
    return {referenced(config, e["bucket"])["bucket"]: e["rule"][0] for e in resources(config, "aws_s3_bucket_server_side_encryption_configuration").values()}


def bucket_keys(config: dict[str, Any]) -> dict[str, str | None]:
    """Bucket name: the KMS key reference its default encryption names (None: SSE-S3)."""
    return {bucket: rule["apply_server_side_encryption_by_default"].get("kms_master_key_id") for bucket, rule in encryption_rules(config).items()}


def bootstraps(synth: Synthesized) -> dict[str, dict[str, Any]]:
    """Account id: the JSON of its bootstrap stack."""
    return {name.removeprefix("bootstrap-"): config for name, config in synth.stacks.items() if name.startswith("bootstrap-")}


def addresses(config: dict[str, Any]) -> set[str]:
    return {f"{type_}.{name}" for type_, named in config.get("resource", {}).items() for name in named}


# --- realistic upstream outputs (zeroetl/checks/upstream.py) ---------------------------------------


def write_upstream_states(synth: Synthesized, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Write the state files that stack `name` reads through terraform_remote_state.

    Local remote states are written where their path points. S3 ones cannot be reached
    offline: their state goes to a local file and the override redirects the data source.
    Returns ({remote state name: {output: value}}, data source overrides)."""
    consumer = synth.stacks[name]
    written, overrides = {}, {}
    for remote_name, upstream_name in remote_states(consumer).items():
        remote = consumer["data"]["terraform_remote_state"][remote_name]
        outputs = upstream_outputs(synth.stacks[upstream_name])
        if remote["backend"] == "local":
            path = (synth.stack_dir(name) / remote["config"]["path"]).resolve()
        else:
            path = synth.stack_dir(name) / "offline-upstream" / f"{upstream_name}.tfstate"
            overrides[remote_name] = {"backend": "local", "config": {"path": str(path.relative_to(synth.stack_dir(name)))}}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(state_document(upstream_name, outputs), indent=2))
        written[remote_name] = outputs
    return written, overrides


# --- terraform ------------------------------------------------------------------------------


@dataclass
class PlanResult:
    stack: str
    validate: dict[str, Any]
    plan: dict[str, Any]
    upstream: dict[str, Any]


def terraform(stack_dir: Path, *args: str) -> str:
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}
    done = subprocess.run(
        ["terraform", *args], cwd=stack_dir, env=env, capture_output=True, text=True, timeout=600
    )
    if done.returncode != 0:
        raise AssertionError(f"terraform {' '.join(args)} failed in {stack_dir}:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def prepare_offline(synth: Synthesized, name: str) -> dict[str, Any]:
    """Write the override file and upstream states stack `name` needs to plan offline.
    Returns {remote state name: {output: value}}."""
    upstream, remote_overrides = write_upstream_states(synth, name)
    # One override per provider block, matched by alias (a bootstrap has one per region).
    providers = [{**OFFLINE_PROVIDER, **({"alias": p["alias"]} if "alias" in p else {})} for p in synth.stacks[name]["provider"]["aws"]]
    override: dict[str, Any] = {"provider": {"aws": providers}}
    data = {**({"terraform_remote_state": remote_overrides} if remote_overrides else {}), **offline_reads(synth.stacks[name])}
    if data:
        override["data"] = data
    if "s3" in synth.stacks[name]["terraform"]["backend"]:
        override["terraform"] = {"backend": {"local": {"path": "offline.tfstate"}}}
    (synth.stack_dir(name) / "override.tf.json").write_text(json.dumps(override, indent=2))
    return upstream


def plan_offline(synth: Synthesized, name: str) -> PlanResult:
    """init + validate + plan + show -json for one stack, offline, with realistic upstreams."""
    stack_dir = synth.stack_dir(name)
    upstream = prepare_offline(synth, name)
    terraform(stack_dir, "init", "-input=false", "-no-color")
    validate = json.loads(terraform(stack_dir, "validate", "-json", "-no-color"))
    terraform(stack_dir, "plan", "-input=false", "-no-color", "-lock=false", "-out=offline.tfplan")
    plan = json.loads(terraform(stack_dir, "show", "-json", "offline.tfplan"))
    return PlanResult(stack=name, validate=validate, plan=plan, upstream=upstream)


def state_resource(type_: str, name: str, attributes: dict[str, Any], schema_version: int = 0) -> dict[str, Any]:
    """One resource as Terraform's state holds it after an apply."""
    return {
        "mode": "managed",
        "type": type_,
        "name": name,
        "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
        "instances": [{"schema_version": schema_version, "attributes": attributes, "sensitive_attributes": []}],
    }


def stack_copy(synth: Synthesized, name: str, workdir: Path, state_file: str) -> Path:
    """A copy of the (planned, initialized) stack directory whose backend is the local file
    state_file and whose local remote states still point at the upstream files the harness
    wrote (by absolute path), initialized. Run plan_offline on the stack first."""
    source_dir, copy = synth.stack_dir(name), workdir / name
    shutil.copytree(source_dir, copy, symlinks=True)
    override = json.loads((copy / "override.tf.json").read_text())
    override["terraform"] = {"backend": {"local": {"path": state_file}}}
    for remote_name, remote in synth.stacks[name].get("data", {}).get("terraform_remote_state", {}).items():
        if remote["backend"] == "local":
            upstream = (source_dir / remote["config"]["path"]).resolve()
            override.setdefault("data", {}).setdefault("terraform_remote_state", {})[remote_name] = {
                "backend": "local", "config": {"path": str(upstream)}
            }
    (copy / "override.tf.json").write_text(json.dumps(override, indent=2))
    terraform(copy, "init", "-input=false", "-no-color", "-reconfigure")
    return copy


def plan_with_prior_state(synth: Synthesized, name: str, workdir: Path, prior: list[dict[str, Any]]) -> dict[str, Any]:
    """`terraform show -json` of stack `name` planned as if `prior` had been applied: a copy of
    the initialized stack directory whose backend holds that state, planned without refresh
    (nothing to ask AWS). Run plan_offline on the stack first."""
    copy = stack_copy(synth, name, workdir, "prior.tfstate")
    (copy / "prior.tfstate").write_text(json.dumps(state_document(name, {}, prior), indent=2))
    terraform(copy, "plan", "-input=false", "-no-color", "-lock=false", "-refresh=false", "-out=prior.tfplan")
    return json.loads(terraform(copy, "show", "-json", "prior.tfplan"))
