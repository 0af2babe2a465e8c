"""Layer 3, integration: the operator policy and the zero-ETL integration itself.

Destroying this stack alone removes the integration and leaves both databases (the article's
clean-up); the data already replicated stays in Redshift.
"""

from __future__ import annotations

from cdktf import TerraformOutput
from constructs import Construct

from stacks.base import ZeroEtlStack
from stacks.constructs.integration import IntegrationKey, OperatorPolicy, ZeroEtlIntegration
from stacks.constructs.variables import at_most_patterns, variable
from zeroetl.catalog import Catalog, Environment
from zeroetl.facts import FACTS
from zeroetl.naming import Layer, aws_name


class IntegrationStack(ZeroEtlStack):
    def __init__(
        self, scope: Construct, catalog: Catalog, env: Environment, *, source_arn: str, target_arn: str
    ) -> None:
        super().__init__(scope, catalog, env, Layer.INTEGRATION)
        data_filter = variable(
            self, "data_filter", "string",
            "Comma separated 'include: db.table' / 'exclude: db.table' patterns; null replicates everything.",
            [at_most_patterns(FACTS.max_data_filter_patterns)],
            nullable=True,
        )
        config = env.integration
        key = IntegrationKey(self, "integration-key", env=env, alias=aws_name(catalog, env, "integration")) if config.create_kms_key else None
        self.integration = ZeroEtlIntegration(
            self,
            "zero-etl",
            name=config.integration_name,
            source_arn=source_arn,
            target_arn=target_arn,
            data_filter=data_filter.string_value,
            kms_key_arn=key.arn if key else None,
            encryption_context=config.additional_encryption_context,
        )
        OperatorPolicy(
            self,
            "operator-policy",
            name=aws_name(catalog, env, "rds-integrations"),
            env=env,
            source_arn=source_arn,
            target_arn=target_arn,
            role_names=config.operator_role_names,
        )
        TerraformOutput(self, "integration_arn", value=self.integration.resource.arn, description="ARN of the zero-ETL integration.")
        TerraformOutput(
            self, "integration_id", value=self.integration.integration_id,
            description="The id used in CREATE DATABASE ... FROM INTEGRATION and as the IntegrationId metric dimension.",
        )
