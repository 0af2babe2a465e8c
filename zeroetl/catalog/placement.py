"""Where stacks deploy: the accounts (and the role assumed in each) and the state backend."""

from __future__ import annotations

import re
import string
from typing import Literal

from pydantic import Field, model_validator

from zeroetl.catalog.facts import FACTS, partition
from zeroetl.catalog.rules import quoted
from zeroetl.catalog.strict import Strict

# IAM User Guide, "IAM identifiers" and CreateRole: role/PATH/NAME, the path up to 512
# characters between slashes, the name 1-64 letters, digits or _+=,.@-.
ROLE_ARN_RE = re.compile(r"^arn:aws(-cn)?:iam::([0-9]{12}):role/((?:[A-Za-z0-9_+=,.@-]+/)*)([A-Za-z0-9_+=,.@-]{1,64})\Z")


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
                raise ValueError(f"role_arn {quoted(self.role_arn)} must look like arn:aws:iam::{self.account_id}:role/NAME, the name 1-64 letters, digits or _+=,.@-")
            if len(match.group(3)) + 1 > 512:
                raise ValueError(f"role_arn {quoted(self.role_arn)}: its path is longer than IAM's 512 characters")
            if match.group(2) != self.account_id:
                raise ValueError(f"role_arn {quoted(self.role_arn)} is in account {match.group(2)}, not {self.account_id}")
        return self


BUCKET_FIELDS = ("app", "account", "region")


def bucket_fields(pattern: str) -> set[str]:
    """The {fields} of a bucket pattern as written: `{app.name}`, `{account[-4:]}`, `{region!r}`
    or `{app:>9}` are fields of their own (and refused), never Python code run on a value."""
    try:
        parsed = list(string.Formatter().parse(pattern))
    except ValueError:
        return {"an unmatched { or }"}
    return {
        field + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
        for _, field, spec, conversion in parsed
        if field is not None
    }


class State(Strict):
    """Where every stack keeps its Terraform state: one key per stack, from the naming rule."""

    backend: Literal["local", "s3"] = Field("local", description="local: files under terraform-state/ (demos, tests); s3: one bucket per account and region.")
    bucket: str | None = Field(
        None,
        description="s3: bucket name pattern with {account} and {region} (and optionally {app}), e.g. "
        "'{app}-tfstate-{account}-{region}'; each stack's state goes to the bucket of its own account and region, so one "
        "account's credentials never hold another's state.",
    )

    replica_regions: dict[str, str] = Field(
        default_factory=dict,
        description="s3: where the bootstrap replicates the state bucket of a region, and its access logs (S3 cross-region "
        "replication), as {state region: replica region}; a region not named here uses state_replica_region of "
        "catalog/region_facts.yaml (a region AWS enables by default, near the first). Set it where data-residency rules "
        "decide where state may be copied.",
    )

    @model_validator(mode="after")
    def _replicas_elsewhere_in_the_partition(self) -> State:
        for region, replica in self.replica_regions.items():
            for named in (region, replica):
                if named not in FACTS.regions:
                    raise ValueError(f"replica_regions {{{region}: {replica}}}: {quoted(named)} is not a region of catalog/regions.yaml")
            if replica == region:
                raise ValueError(f"replica_regions {{{region}: {replica}}}: a replica in the same region survives nothing the state bucket would not; name another region")
            if partition(replica) != partition(region):
                raise ValueError(f"replica_regions {{{region}: {replica}}}: S3 replicates only within a partition ({partition(region)}); name a region of it")
        return self

    @model_validator(mode="after")
    def _bucket_for_s3(self) -> State:
        if self.backend == "s3" and not self.bucket:
            raise ValueError("backend s3 needs a bucket pattern, e.g. '{app}-tfstate-{account}-{region}'")
        if self.bucket is not None:
            fields = bucket_fields(self.bucket)
            if not fields <= set(BUCKET_FIELDS):
                raise ValueError(f"bucket pattern {quoted(self.bucket)} may use only {{app}}, {{account}} and {{region}}, as they are written")
            missing = [f"{{{part}}}" for part in ("account", "region") if f"{{{part}}}" not in self.bucket]
            if missing:
                raise ValueError(
                    f"bucket pattern {quoted(self.bucket)} lacks {' and '.join(missing)}: it would put several accounts' or regions' "
                    "state in one bucket; use e.g. '{app}-tfstate-{account}-{region}'"
                )
        return self
