"""What every stack of an environment shares: its account's provider, its own state, tags."""

from __future__ import annotations

from cdktf import Aspects, LocalBackend, S3Backend, S3BackendAssumeRoleConfig, TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderAssumeRole, AwsProviderDefaultTags
from constructs import Construct

from stacks.boundary import RoleBoundary
from stacks.retire import Retire
from zeroetl.catalog.model import Catalog, Environment
from zeroetl.catalog.naming import Layer, layer_account, stack_name, state_bucket, state_key, state_key_alias_arn
from zeroetl.rollout.accounts import boundary_arn, bootstrap_enabled

# cdktf context key: "ambient" when the caller's credentials already are each stack's account
# role (the rollout's jobs take it straight from GitHub's token); the stacks then assume no
# role, since a chained session lasts at most an hour. Default: assume each account's role_arn.
CREDENTIALS_CONTEXT = "zeroetl:credentials"

# Local state lives under the project's terraform-state/ folder, written relative to the stack's
# working directory (cdktf.out/stacks/<stack>/) so the synthesized JSON holds no machine path.
STATE_ROOT_FROM_STACK_DIR = "../../../terraform-state"


class ZeroEtlStack(TerraformStack):
    """One layer of one environment: one account, one region, one state key."""

    def __init__(self, scope: Construct, catalog: Catalog, env: Environment, layer: Layer) -> None:
        super().__init__(scope, stack_name(env, layer))
        self.catalog = catalog
        self.env = env
        self.layer = layer
        self.account = layer_account(env, layer)
        self.role_arn = None if self.node.try_get_context(CREDENTIALS_CONTEXT) == "ambient" else self.account.role_arn
        self._backend(catalog, env, layer)
        AwsProvider(
            self,
            "aws",
            region=env.region,
            allowed_account_ids=[self.account.account_id],
            assume_role=[AwsProviderAssumeRole(role_arn=self.role_arn, session_name=stack_name(env, layer))]
            if self.role_arn
            else None,
            default_tags=[
                AwsProviderDefaultTags(
                    tags={
                        **env.tags,
                        "application": catalog.app,
                        "environment": env.name,
                        "stack": stack_name(env, layer),
                        "managed-by": "cdktf",
                    }
                )
            ],
        )
        if bootstrap_enabled(catalog):
            Aspects.of(self).add(RoleBoundary(boundary_arn(catalog, self.account.account_id, env.region)))
        if env.retire:
            Aspects.of(self).add(Retire())

    def _backend(self, catalog: Catalog, env: Environment, layer: Layer) -> None:
        key = state_key(catalog, env, layer)
        if catalog.state.backend == "local":
            LocalBackend(self, path=f"{STATE_ROOT_FROM_STACK_DIR}/{key}")
            return
        backend = S3Backend(
            self,
            bucket=state_bucket(catalog, env, layer),
            key=key,
            region=env.region,
            encrypt=True,
            # The bootstrap's key of this bucket, not the SSE-S3 that `encrypt` alone asks for.
            kms_key_id=state_key_alias_arn(catalog, layer_account(env, layer).account_id, env.region) if bootstrap_enabled(catalog) else None,
            assume_role=S3BackendAssumeRoleConfig(role_arn=self.role_arn) if self.role_arn else None,
        )
        # S3-native locking (Terraform >= 1.10); cdktf 0.21's S3Backend predates the argument,
        # so it is set through cdktf's documented override.
        backend.add_override("use_lockfile", True)
