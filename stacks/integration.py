"""Layer 3, integration (source account): the operator policy, one zero-ETL integration per
source, and the alerts for the RDS side of the integrations. For a cluster the team brought
in, the plan first reads it and refuses until its binlog parameter group is attached
(stacks/constructs/readiness.py).

Destroying this stack alone removes the integrations and leaves both databases (the article's
clean-up); the data already replicated stays in Redshift.
"""

from __future__ import annotations

from cdktf import TerraformOutput
from constructs import Construct

from stacks.base import ZeroEtlStack
from stacks.constructs.integration import IntegrationKey, OperatorPolicy, ZeroEtlIntegration
from stacks.constructs.monitoring import SourceIntegrationEvents
from stacks.constructs.readiness import BroughtInClusterReadiness
from stacks.constructs.variables import at_most_patterns, variable
from zeroetl.catalog.facts import FACTS
from zeroetl.catalog.model import Catalog, Environment
from zeroetl.catalog.naming import OPERATOR_POLICY, SOURCE_EVENTS, Layer, aws_name, integration_key_alias


class IntegrationStack(ZeroEtlStack):
    def __init__(
        self, scope: Construct, catalog: Catalog, env: Environment, *, source_arns: dict[str, str], target_arn: str
    ) -> None:
        super().__init__(scope, catalog, env, Layer.INTEGRATION)
        self.integrations: dict[str, ZeroEtlIntegration] = {}
        for source in env.sources:
            config = source.integration
            data_filter = variable(
                self, f"data_filter_{source.name}", "string",
                f"Data filter of the {source.name} integration: comma separated 'include: db.table' / 'exclude: db.table' "
                "patterns; null replicates everything.",
                [at_most_patterns(FACTS.max_data_filter_patterns)],
                nullable=True,
            )
            key = (
                IntegrationKey(self, f"integration-key-{source.name}", env=env, source=source, alias=integration_key_alias(catalog, env, source))
                if config.create_kms_key
                else None
            )
            if not source.create_cluster:
                # Refuse at plan, with the commands, a cluster not yet given its binlog group.
                BroughtInClusterReadiness(self, f"readiness-{source.name}", source=source, region=env.region)
            integration = ZeroEtlIntegration(
                self,
                f"zero-etl-{source.name}",
                name=config.integration_name,
                source_arn=source_arns[source.name],
                target_arn=target_arn,
                data_filter=data_filter.string_value,
                kms_key_arn=key.arn if key else None,
                encryption_context=config.additional_encryption_context,
            )
            self.integrations[source.name] = integration
            TerraformOutput(self, f"integration_arn_{source.name}", value=integration.resource.arn, description=f"ARN of the {source.name} integration.")
            TerraformOutput(
                self, f"integration_id_{source.name}", value=integration.integration_id,
                description="The id used in CREATE DATABASE ... FROM INTEGRATION and as the IntegrationId metric dimension.",
            )
        events = SourceIntegrationEvents(
            self, "source-events", name=aws_name(catalog, env, SOURCE_EVENTS), region=env.region,
            account_id=env.source_account.account_id, emails=env.monitoring.alarm_emails,
        )
        TerraformOutput(self, "source_alerts_topic_arn", value=events.topic.arn, description="SNS topic of the RDS zero-ETL events (source account).")
        OperatorPolicy(
            self,
            "operator-policy",
            name=aws_name(catalog, env, OPERATOR_POLICY),
            env=env,
            source_arns=list(source_arns.values()),
            target_arn=target_arn,
            role_names=env.operator_role_names,
        )
