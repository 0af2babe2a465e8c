"""An IAM policy linter (parliament, a kept library) finds nothing unreviewed in any policy
document the stacks write: operators, flow logs, key, topic, bucket and resource policies, and
the bootstrap's trust and rollout policies. Accepted findings are in
security/iam-lint-accepted.yaml, each with its reason."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from zeroetl.checks.iam_lint import Document, LintError, accepted, documents, is_accepted, lint, unreviewed

CATALOGS = ["default", "variant", "fleet"]


@pytest.fixture(scope="module")
def linted(request: pytest.FixtureRequest) -> tuple[list[Document], list]:
    docs = [
        doc
        for name in CATALOGS
        for stack, config in (request.getfixturevalue(f"{name}_synth")).stacks.items()
        for doc in documents(stack, config)
    ]
    return docs, lint(docs)


def test_every_policy_kind_is_linted(linted: tuple[list[Document], list]) -> None:
    docs, _ = linted
    kinds = {doc.address.split(".")[0] + "." + doc.attribute for doc in docs}
    # the operator and cross-account policies, flow logs, the bootstrap's roles, every resource policy
    assert kinds == {
        "aws_iam_policy.policy",
        "aws_iam_role.assume_role_policy",
        "aws_iam_role_policy.policy",
        "aws_kms_key.policy",
        "aws_redshift_resource_policy.policy",
        "aws_s3_bucket_policy.policy",
        "aws_sns_topic_policy.policy",
    }
    assert any(doc.stack.startswith("bootstrap-") for doc in docs)
    assert all("${" not in doc.text for doc in docs), "every Terraform reference is an example ARN"


def test_the_linter_finds_nothing_unreviewed(linted: tuple[list[Document], list]) -> None:
    _, found = linted
    assert [str(f) for f in unreviewed(found)] == []


def test_every_accepted_finding_is_used_and_reasoned(linted: tuple[list[Document], list]) -> None:
    _, found = linted
    for entry in accepted():
        assert len(entry["reason"].split()) >= 20, entry
        assert any(is_accepted(finding, entry) for finding in found), f"no finding uses {entry}"


def _operator_policy(docs: list[Document]) -> Document:
    return next(doc for doc in docs if doc.address.startswith("aws_iam_policy.") and "rds:CreateIntegration" in doc.text)


@pytest.mark.parametrize(
    "change, issue",
    [
        (lambda s: s.replace('"rds:CreateIntegration"', '"rds:CreateIntegrations"'), "UNKNOWN_ACTION"),
        (lambda s: s.replace('"redshift:CreateInboundIntegration"', '"iam:PassRole"'), "RESOURCE_MISMATCH"),
        (lambda s: s.replace('"Effect": "Allow"', '"Effect": "Allwo"', 1), "MALFORMED"),
    ],
    ids=["misspelled-action", "passrole-on-a-namespace", "misspelled-effect"],
)
def test_a_broken_document_is_an_unreviewed_finding(linted: tuple[list[Document], list], change, issue: str) -> None:
    docs, _ = linted
    doc = _operator_policy(docs)
    broken = dataclasses.replace(doc, text=change(doc.text))
    assert broken.text != doc.text
    found = unreviewed(lint([broken]))
    assert issue in {f.issue for f in found}, [str(f) for f in found]


def test_a_reference_without_an_example_arn_is_an_error() -> None:
    config = {"resource": {"aws_iam_role_policy": {"p": {"policy": json.dumps({"Statement": [{"Resource": "${aws_dynamodb_table.t.arn}"}]})}}}}
    with pytest.raises(LintError, match=re.escape("s: aws_iam_role_policy.p.policy: no example ARN for the reference ${aws_dynamodb_table.t.arn}")):
        list(documents("s", config))
