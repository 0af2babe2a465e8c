"""Plan-time readiness of a cluster the team brought in (create_cluster: false).

The Aurora guide (zero-etl.setting-up): "Before you can create the integration, the reboot must
be complete and the new parameter values must be successfully applied." The source stack can
make the binlog parameter group but not attach it to a cluster it does not manage, nor reboot
that cluster's writer; an integration created before both fails at apply and stops the wave.
So the integration stack reads the cluster (data aws_rds_cluster) and its plan refuses, with
the commands to run, until the binlog group is the one attached.

What Terraform can read stops there: the provider exposes no parameter values of a cluster
parameter group (data aws_rds_cluster_parameter_group has name, family and description) and no
pending-reboot status of the members, so the message asks for the reboot and the API refuses
the integration if it was skipped.
"""

from __future__ import annotations

from cdktf import Postcondition, TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.data_aws_rds_cluster import DataAwsRdsCluster
from constructs import Construct

from zeroetl.catalog.model import Source
from zeroetl.catalog.naming import binlog_parameter_group


def readiness_message(source: Source, region: str) -> str:
    """What the plan says when the brought-in cluster is not ready (no Terraform expressions:
    every name in it is one the catalog validated)."""
    cluster, group = source.cluster_identifier, binlog_parameter_group(source)
    return (
        f"Existing cluster {cluster} ({region}) is not ready for its zero-ETL integration: the cluster parameter group "
        f"{group} must be attached and its writer rebooted first. Run: aws rds modify-db-cluster --region {region} "
        f"--db-cluster-identifier {cluster} --db-cluster-parameter-group-name {group} --apply-immediately; then "
        f"aws rds reboot-db-instance --region {region} --db-instance-identifier <the writer of {cluster}>, and wait until "
        "describe-db-clusters shows DBClusterParameterGroupStatus in-sync for it. Then re-run this plan."
    )


class BroughtInClusterReadiness(Construct):
    """Reads the existing cluster; the plan fails unless it is Aurora MySQL with the binlog
    parameter group attached."""

    def __init__(self, scope: Construct, id_: str, *, source: Source, region: str) -> None:
        super().__init__(scope, id_)
        group = binlog_parameter_group(source)
        self.cluster = DataAwsRdsCluster(
            self,
            "cluster",
            cluster_identifier=source.cluster_identifier,
            lifecycle=TerraformResourceLifecycle(
                postcondition=[
                    Postcondition(
                        condition='${self.engine == "aurora-mysql"}',
                        error_message=f"Existing cluster {source.cluster_identifier} ({region}) runs ${{self.engine}}, not aurora-mysql: "
                        "this product's zero-ETL sources are Aurora MySQL clusters. Check cluster_identifier in the catalog.",
                    ),
                    Postcondition(
                        condition=f'${{self.db_cluster_parameter_group_name == "{group}"}}',
                        error_message=readiness_message(source, region) + " Attached now: ${self.db_cluster_parameter_group_name}.",
                    ),
                ]
            ),
        )
