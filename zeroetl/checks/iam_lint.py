"""Lint every IAM policy document the stacks write with parliament (Duo Labs' IAM linter),
minus the reviewed findings of security/iam-lint-accepted.yaml.

The documents in cdk.tf.json hold Terraform references (`${aws_kms_key.x.arn}`) where AWS
will put an ARN, which parliament reads as malformed ARNs. Each reference is replaced by an
example ARN of the referenced resource's form (EXAMPLE_ARNS), so the linter judges the
documents' shape, actions and conditions; a reference of a kind not listed there is an error,
not a silent pass.

parliament brings its own library pins, so scripts/setup installs it into its own virtualenv
(.cache/parliament/), like checkov; this module only runs it.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import yaml

from zeroetl import PROJECT_ROOT
from zeroetl.catalog.facts import partition

PARLIAMENT = PROJECT_ROOT / ".cache" / "parliament" / "bin" / "parliament"
ACCEPTED_FILE = PROJECT_ROOT / "security" / "iam-lint-accepted.yaml"

# (resource type, attribute) -> the ARN AWS gives that attribute, from each service's
# "Resource types defined by ..." table of the Service Authorization Reference.
EXAMPLE_ARNS = {
    ("aws_cloudwatch_log_group", "arn"): "arn:{partition}:logs:{region}:{account}:log-group:example",
    ("aws_iam_openid_connect_provider", "arn"): "arn:{partition}:iam::{account}:oidc-provider/token.actions.githubusercontent.com",
    ("aws_kms_key", "arn"): "arn:{partition}:kms:{region}:{account}:key/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d",
    ("aws_rds_cluster", "arn"): "arn:{partition}:rds:{region}:{account}:cluster:example",
    ("aws_redshift_cluster", "cluster_namespace_arn"): "arn:{partition}:redshift:{region}:{account}:namespace:0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d",
    ("aws_redshift_resource_policy", "resource_arn"): "arn:{partition}:redshift-serverless:{region}:{account}:namespace/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d",
    ("aws_redshiftserverless_namespace", "arn"): "arn:{partition}:redshift-serverless:{region}:{account}:namespace/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d",
    ("aws_sns_topic", "arn"): "arn:{partition}:sns:{region}:{account}:example",
}
# The attributes a trust policy, a resource's own policy and an identity policy live in.
TRUST = "trust"
RESOURCE = "resource"
IDENTITY = "identity"
POLICY_ATTRIBUTES = {
    ("aws_iam_role", "assume_role_policy"): TRUST,
    ("aws_iam_policy", "policy"): IDENTITY,
    ("aws_iam_role_policy", "policy"): IDENTITY,
    ("aws_kms_key", "policy"): RESOURCE,
    ("aws_redshift_resource_policy", "policy"): RESOURCE,
    ("aws_s3_bucket_policy", "policy"): RESOURCE,
    ("aws_sns_topic_policy", "policy"): RESOURCE,
}
_REFERENCE = re.compile(r"\$\{([^}]*)\}")
_REMOTE_OUTPUT = re.compile(r"data\.terraform_remote_state\.[^.]+\.outputs\.cross-stack-output-(.+)")
_RESOURCE_ATTRIBUTE = re.compile(r"(aws_[a-z0-9_]+)\.[^.]+\.([a-z_]+)")


class LintError(RuntimeError):
    """The linter could not judge a document (an unknown reference, or parliament failed)."""


@dataclass(frozen=True)
class Document:
    stack: str
    address: str  # resource type and name, as in the stack's JSON
    attribute: str
    kind: str  # TRUST, RESOURCE or IDENTITY
    text: str  # with every Terraform reference replaced by an example ARN

    @property
    def label(self) -> str:
        return f"{self.stack}: {self.address}.{self.attribute}"


@dataclass(frozen=True)
class Finding:
    document: Document
    issue: str
    detail: str

    def __str__(self) -> str:
        return f"{self.document.label} ({self.document.kind} policy): {self.issue} {self.detail}"


def _example_arn(reference: str, where: str, region: str) -> str:
    remote = _REMOTE_OUTPUT.fullmatch(reference)
    for (type_, attribute), arn in EXAMPLE_ARNS.items():
        if remote:
            found = remote[1].startswith(type_) and remote[1].endswith(attribute)
        else:
            match = _RESOURCE_ATTRIBUTE.fullmatch(reference)
            found = bool(match) and match[1] == type_ and match[2] == attribute  # type: ignore[index]
        if found:
            return arn.format(partition=partition(region), region=region, account="123456789012")
    raise LintError(f"{where}: no example ARN for the reference ${{{reference}}}; add its form to EXAMPLE_ARNS in {__name__}")


def documents(stack: str, config: dict[str, Any]) -> Iterator[Document]:
    """Every policy document of one synthesized stack, with its references made concrete."""
    providers = config.get("provider", {}).get("aws", [{}])
    region = providers[0].get("region", "us-east-1")
    for type_, items in sorted(config.get("resource", {}).items()):
        for name, body in sorted(items.items()):
            for attribute, value in sorted(body.items()):
                kind = POLICY_ATTRIBUTES.get((type_, attribute))
                if kind is None or not isinstance(value, str):
                    continue
                where = f"{stack}: {type_}.{name}.{attribute}"
                text = _REFERENCE.sub(lambda m: _example_arn(m[1], where, region), value)
                yield Document(stack, f"{type_}.{name}", attribute, kind, text)


def accepted() -> list[dict[str, str]]:
    """The reviewed findings: the issue, the resource type whose policies it is accepted in, a
    regular expression the detail must match, and the reason."""
    return yaml.safe_load(ACCEPTED_FILE.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=None)
def _reviewed_actions(relative: str) -> tuple[str, ...]:
    """The action patterns of a reviewed list (security/iam-wildcards.yaml), read once."""
    return tuple(yaml.safe_load((PROJECT_ROOT / relative).read_text(encoding="utf-8")))


def is_accepted(finding: Finding, entry: dict[str, str]) -> bool:
    """An entry with `actions_reviewed_in` (a YAML file of action patterns, relative to the
    project) accepts a finding on a list of actions only when each of them is in that file."""
    if not (
        entry["issue"] == finding.issue
        and finding.document.address.startswith(entry["type"] + ".")
        and re.search(entry["detail"], finding.detail) is not None
    ):
        return False
    if "actions_reviewed_in" not in entry:
        return True
    reviewed = _reviewed_actions(entry["actions_reviewed_in"])
    return all(any(fnmatch.fnmatchcase(action, pattern) for pattern in reviewed) for action in json.loads(finding.detail))


def unreviewed(found: list[Finding]) -> list[Finding]:
    entries = accepted()
    return [finding for finding in found if not any(is_accepted(finding, entry) for entry in entries)]


def lint(docs: list[Document]) -> list[Finding]:
    """Every finding parliament (all severities, community auditors too) makes on the documents."""
    with tempfile.TemporaryDirectory(prefix="iam-lint-") as workdir:
        by_file: dict[str, Document] = {}
        for number, doc in enumerate(docs):
            path = Path(workdir) / f"{number:05d}.json"
            path.write_text(doc.text, encoding="utf-8")
            by_file[str(path)] = doc
        args = [str(PARLIAMENT), "--directory", workdir, "--json", "--minimum_severity", "INFO", "--include-community-auditors"]
        done = subprocess.run(args, capture_output=True, text=True, timeout=600)
    if done.returncode not in (0, 1) or done.stderr.strip():
        raise LintError(f"parliament failed (exit {done.returncode}): {done.stderr[-2000:]}")
    found = []
    for line in done.stdout.splitlines():
        record = json.loads(line)
        doc = by_file.get(record["location"].get("filepath", ""))
        if doc is None:
            raise LintError(f"parliament reported a finding on no document it was given: {line}")
        found.append(Finding(doc, record["issue"], json.dumps(record["detail"]) if not isinstance(record["detail"], str) else record["detail"]))
    return found
