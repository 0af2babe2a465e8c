"""What every stack of an environment shares: provider, state, tags."""

from __future__ import annotations

from cdktf import LocalBackend, TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
from constructs import Construct

from zeroetl.catalog import Catalog, Environment
from zeroetl.naming import Layer, stack_name, state_key

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
        LocalBackend(self, path=f"{STATE_ROOT_FROM_STACK_DIR}/{state_key(catalog, env, layer)}")
        AwsProvider(
            self,
            "aws",
            region=env.region,
            allowed_account_ids=[env.account_id],
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
