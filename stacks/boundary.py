"""The permissions boundary on every role a stack creates.

The apply role may create and change the roles of its environments (`<app>-<environment>-*`),
and so could write one of them a broader policy than the stacks do, or trust it to someone
else. IAM lets it grant such a role anything only while the role carries the bootstrap's
boundary (zeroetl/rollout/policies.py, IAM_GRANT), and the boundary caps the role at what the
stacks need (boundary_policy). Without a bootstrap (local state, no GitHub repository) there is
no boundary to name and no apply role to contain.

An Aspect visits every resource of the stack after construction, so no construct carries the
boundary of its own and a role added later is covered too.
"""

from __future__ import annotations

import jsii
from cdktf import IAspect
from cdktf_cdktf_provider_aws.iam_role import IamRole
from constructs import IConstruct


@jsii.implements(IAspect)
class RoleBoundary:
    """Sets the account's permissions boundary on every role it visits."""

    def __init__(self, arn: str) -> None:
        self.arn = arn

    def visit(self, node: IConstruct) -> None:
        if isinstance(node, IamRole):
            node.permissions_boundary = self.arn
