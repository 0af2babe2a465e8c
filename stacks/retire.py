"""Retiring an environment: the one documented way to destroy what the stacks protect.

Day to day, an Aurora cluster has deletion protection, and Serverless namespaces, provisioned
clusters and storage keys have Terraform's prevent_destroy (AWS has no deletion protection for
those). An environment with `retire: true` in the catalog is synthesized without both, so the
change that allows destruction is a reviewed catalog diff and an in-place plan
(`deletion_protection: true -> false`) before anyone runs `cdktf destroy`. Final snapshots are
still taken. README, "Retire an environment".

An Aspect visits every resource of the stack after construction, so no construct carries a
retiring branch of its own and a protected resource added later is covered too.
"""

from __future__ import annotations

import jsii
from cdktf import IAspect, TerraformResource
from cdktf_cdktf_provider_aws.rds_cluster import RdsCluster
from constructs import IConstruct


@jsii.implements(IAspect)
class Retire:
    """Lifts deletion protection and prevent_destroy on every resource it visits."""

    def visit(self, node: IConstruct) -> None:
        if isinstance(node, RdsCluster):
            node.deletion_protection = False
        if isinstance(node, TerraformResource) and node.lifecycle and node.lifecycle.prevent_destroy:
            node.add_override("lifecycle.prevent_destroy", False)
