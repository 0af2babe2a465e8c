"""Where stacks deploy: the accounts (and the role assumed in each) and the state backend."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, model_validator

from zeroetl.catalog.strict import Strict

ROLE_ARN_RE = re.compile(r"^arn:aws(-cn)?:iam::([0-9]{12}):role/[A-Za-z0-9_+=,.@/-]{1,512}\Z")


class Account(Strict):
    """An AWS account the stacks deploy into."""

    account_id: str = Field(..., pattern=r"^[0-9]{12}$", description="12-digit account id, pinned in each provider's allowed_account_ids.")
    role_arn: str | None = Field(
        None, description="Role the provider (and the state backend) assumes in this account; none means the caller's credentials."
    )

    @model_validator(mode="after")
    def _role_in_account(self) -> Account:
        if self.role_arn is not None:
            match = ROLE_ARN_RE.match(self.role_arn)
            if not match:
                raise ValueError(f"role_arn {self.role_arn!r} must look like arn:aws:iam::{self.account_id}:role/NAME")
            if match.group(2) != self.account_id:
                raise ValueError(f"role_arn {self.role_arn!r} is in account {match.group(2)}, not {self.account_id}")
        return self


class State(Strict):
    """Where every stack keeps its Terraform state: one key per stack, from the naming rule."""

    backend: Literal["local", "s3"] = Field("local", description="local: files under terraform-state/ (demos, tests); s3: one bucket per account and region.")
    bucket: str | None = Field(
        None,
        description="s3: bucket name pattern with {account} and {region} (and optionally {app}), e.g. "
        "'{app}-tfstate-{account}-{region}'; each stack's state goes to the bucket of its own account and region, so one "
        "account's credentials never hold another's state.",
    )

    @model_validator(mode="after")
    def _bucket_for_s3(self) -> State:
        if self.backend == "s3" and not self.bucket:
            raise ValueError("backend s3 needs a bucket pattern, e.g. '{app}-tfstate-{account}-{region}'")
        if self.bucket is not None:
            try:
                self.bucket.format(app="a", account="0" * 12, region="r")
            except (KeyError, IndexError, ValueError) as exc:
                raise ValueError(f"bucket pattern {self.bucket!r} may use only {{app}}, {{account}} and {{region}}") from exc
            missing = [f"{{{part}}}" for part in ("account", "region") if f"{{{part}}}" not in self.bucket]
            if missing:
                raise ValueError(
                    f"bucket pattern {self.bucket!r} lacks {' and '.join(missing)}: it would put several accounts' or regions' "
                    "state in one bucket; use e.g. '{app}-tfstate-{account}-{region}'"
                )
        return self
