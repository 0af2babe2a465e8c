"""Who rolls the catalog out: the GitHub repository whose workflow may assume the roles the
bootstrap stacks create in every account (stacks/bootstrap.py)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, model_validator

from zeroetl.catalog.rules import matching, quoted, unique_ignoring_case
from zeroetl.catalog.strict import Strict

# GitHub: an owner is 1-39 letters, digits or single hyphens, not at either end; a repository
# name is 1-100 letters, digits, '.', '_' or '-'.
GITHUB_REPOSITORY = r"^[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}/[A-Za-z0-9._-]{1,100}$"
# What the token's `sub` starts with, when the repository customized its subject template or
# uses GitHub's id-carrying form: everything before `:environment:NAME` / `:pull_request`.
SUBJECT_PREFIX = r"^[A-Za-z0-9@/._:-]{1,300}$"
# An environment reviewer: a user login, or a team slug of the repository's organization.
REVIEWER = re.compile(r"^(user:[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}|team:[a-z0-9][a-z0-9_-]{0,99})\Z")
MAX_REVIEWERS = 6  # GitHub: "You can list up to six users or teams as reviewers"
REVIEWER_RULE = (
    "must be user:LOGIN (a GitHub login: letters, digits, single hyphens, up to 39) or team:SLUG "
    "(a team of the repository's organization, as in its URL: lowercase letters, digits, '-', '_')"
)
Reviewer = Annotated[str, matching(REVIEWER, REVIEWER_RULE)]


class Rollout(Strict):
    """The rollout workflow's identity in AWS."""

    github_repository: str | None = Field(
        None,
        pattern=GITHUB_REPOSITORY,
        description="OWNER/REPO (as GitHub spells it: IAM compares the token's claims case-sensitively) whose workflow rolls the "
        "catalog out. With the s3 backend it adds one bootstrap stack per account: the state buckets with their access logs and replicas, GitHub's OIDC provider, "
        "the plan and apply roles the workflow assumes, and the permissions boundary every role the stacks create carries "
        "(README, Security model of the rollout).",
    )
    github_subject_prefix: str | None = Field(
        None,
        pattern=SUBJECT_PREFIX,
        description="What GitHub's OIDC `sub` claim starts with, if not `repo:OWNER/REPO` (a customized subject template, or "
        "GitHub's form with immutable owner and repository ids): the trust policies then expect `<prefix>:environment:<wave>`, "
        "`<prefix>:pull_request` and `<prefix>:ref:refs/heads/main`.",
    )
    bootstrap_backend: Literal["local", "s3"] = Field(
        "local",
        description="Where the bootstrap stacks keep their own state: local (the first apply, before the bucket exists) or s3 "
        "(the bucket it created, after `terraform init -migrate-state`; README, Security model of the rollout).",
    )
    default_branch: str = Field("main", pattern=r"^[A-Za-z0-9._/-]{1,200}$", description="The branch whose pushes roll out.")
    reviewers: Annotated[list[Reviewer], unique_ignoring_case("GitHub logins and team slugs ignore case", "reviewer")] = Field(
        [],
        max_length=MAX_REVIEWERS,
        description="Who approves a wave's apply jobs: `user:LOGIN` or `team:SLUG` (a team of the repository's organization), "
        "at most 6, each with access to the repository. `main.py github-environments --apply` makes them the required "
        "reviewers of every wave environment from reviewed_from_wave on; empty: the waves apply without approval.",
    )
    reviewed_from_wave: int = Field(
        0, ge=0, description="The first rollout_wave whose environments require a reviewer (earlier waves, dev say, apply on merge)."
    )

    @model_validator(mode="after")
    def _prefix_needs_repository(self) -> Rollout:
        if self.github_subject_prefix is not None and self.github_repository is None:
            raise ValueError(f"github_subject_prefix {quoted(self.github_subject_prefix)} needs github_repository")
        if self.github_subject_prefix is not None and self.github_subject_prefix.endswith(":"):
            raise ValueError(f"github_subject_prefix {quoted(self.github_subject_prefix)} must not end with ':' (it is followed by ':environment:...')")
        if self.reviewers and self.github_repository is None:
            raise ValueError("reviewers need github_repository (they review its GitHub environments)")
        return self

    @property
    def subject_prefix(self) -> str:
        return self.github_subject_prefix or f"repo:{self.github_repository}"
