"""The IAM documents of the bootstrap stacks (stacks/bootstrap.py): who may assume the rollout's
roles (trust) and what each may do (permissions). Plain data, so the tests evaluate the trust
policies against the claims each workflow job really gets, and lint every document.

Trust, from GitHub's OIDC token (audience sts.amazonaws.com, REFERENCE.md for the `sub` forms):
- plan role: `<prefix>:pull_request` (plans of a pull request) and
  `<prefix>:ref:refs/heads/<default branch>` (main's plans before each apply, the scheduled
  drift run). It reads; its only write is the state lock file.
- apply role: `<prefix>:environment:<wave>` for the waves holding this account's stacks, and
  nothing else: only a job that runs in that GitHub environment (after its reviewers approved,
  where the environment requires them) gets the token.

The permissions boundary of the roles the stacks create (boundary_policy, stacks/boundary.py)
allows only what the stacks grant them; the apply role gives such a role permissions only while
it carries that boundary, and may not change the boundary.

Resources `*` appear only for the actions listed in security/iam-wildcards.yaml, each with its
reason (tests/test_bootstrap.py checks every generated statement against that list).
"""

from __future__ import annotations

from typing import Any

from zeroetl.catalog.facts import service_endpoint, service_principal, sts_audience
from zeroetl.catalog.model import Catalog
from zeroetl.rollout.accounts import ROLLOUT_ROLES, AccountPlan, boundary_arn, role_arn

OIDC_HOST = "token.actions.githubusercontent.com"

# Read-only calls Terraform makes to refresh what the stacks manage. Prefix wildcards only where
# every action they match is metadata: no `Get*` of Redshift (GetClusterCredentials), Redshift
# Serverless (GetCredentials), Secrets Manager (GetSecretValue), Logs (GetLogEvents) or the
# Data API (GetStatementResult).
READ_ACTIONS = [
    "cloudwatch:DescribeAlarms",
    "cloudwatch:GetDashboard",
    "cloudwatch:ListTagsForResource",
    "ec2:Describe*",
    "events:DescribeRule",
    "events:ListTagsForResource",
    "events:ListTargetsByRule",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:ListPolicyVersions",
    "iam:ListRolePolicies",
    "kms:DescribeKey",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListAliases",
    "kms:ListResourceTags",
    "logs:DescribeLogGroups",
    "logs:ListTagsForResource",
    "logs:ListTagsLogGroup",
    "rds:Describe*",
    "rds:ListTagsForResource",
    "redshift-data:DescribeStatement",
    "redshift-serverless:GetNamespace",
    "redshift-serverless:GetWorkgroup",
    "redshift-serverless:ListTagsForResource",
    "redshift:DescribeClusterParameters",
    "redshift:DescribeClusterParameterGroups",
    "redshift:DescribeClusterSubnetGroups",
    "redshift:DescribeClusters",
    "redshift:DescribeLoggingStatus",
    "redshift:DescribeTags",
    "redshift:GetResourcePolicy",
    "secretsmanager:DescribeSecret",
    "sns:GetSubscriptionAttributes",
    "sns:GetTopicAttributes",
    "sns:ListSubscriptionsByTopic",
    "sns:ListTagsForResource",
]

# What the apply role changes, by service; each scoped to the account and the regions its
# stacks deploy into (IAM: to the names of its environments).
MANAGE_ACTIONS: dict[str, list[str]] = {
    "rds": [
        "rds:AddRoleToDBCluster", "rds:AddTagsToResource", "rds:CreateDBCluster", "rds:CreateDBClusterParameterGroup",
        "rds:CreateDBInstance", "rds:CreateDBSubnetGroup", "rds:CreateIntegration", "rds:DeleteDBCluster",
        "rds:DeleteDBClusterParameterGroup", "rds:DeleteDBInstance", "rds:DeleteDBSubnetGroup", "rds:DeleteIntegration",
        "rds:ModifyDBCluster", "rds:ModifyDBClusterParameterGroup", "rds:ModifyDBInstance", "rds:ModifyDBSubnetGroup",
        "rds:ModifyIntegration", "rds:RebootDBInstance", "rds:RemoveRoleFromDBCluster", "rds:RemoveTagsFromResource",
    ],
    "redshift": [
        "redshift:CreateCluster", "redshift:CreateClusterParameterGroup", "redshift:CreateClusterSubnetGroup", "redshift:CreateTags",
        "redshift:DeleteCluster", "redshift:DeleteClusterParameterGroup", "redshift:DeleteClusterSubnetGroup",
        "redshift:DeleteResourcePolicy", "redshift:DeleteTags", "redshift:DisableLogging", "redshift:EnableLogging",
        "redshift:ModifyCluster", "redshift:ModifyClusterParameterGroup", "redshift:ModifyClusterSubnetGroup",
        "redshift:PutResourcePolicy",
    ],
    "redshift-serverless": [
        "redshift-serverless:CreateNamespace", "redshift-serverless:CreateWorkgroup", "redshift-serverless:DeleteNamespace",
        "redshift-serverless:DeleteWorkgroup", "redshift-serverless:TagResource", "redshift-serverless:UntagResource",
        "redshift-serverless:UpdateNamespace", "redshift-serverless:UpdateWorkgroup",
    ],
    "redshift-data": ["redshift-data:ExecuteStatement"],
    "ec2": [
        "ec2:AssociateRouteTable", "ec2:AuthorizeSecurityGroupEgress", "ec2:AuthorizeSecurityGroupIngress", "ec2:CreateFlowLogs",
        "ec2:CreateRouteTable", "ec2:CreateSecurityGroup", "ec2:CreateSubnet", "ec2:CreateTags", "ec2:CreateVpc",
        "ec2:CreateVpcEndpoint", "ec2:DeleteFlowLogs", "ec2:DeleteRouteTable", "ec2:DeleteSecurityGroup", "ec2:DeleteSubnet",
        "ec2:DeleteTags", "ec2:DeleteVpc", "ec2:DeleteVpcEndpoints", "ec2:DisassociateRouteTable", "ec2:ModifySubnetAttribute",
        "ec2:ModifyVpcAttribute", "ec2:ModifyVpcEndpoint", "ec2:RevokeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress",
    ],
    "kms": [
        "kms:CreateAlias", "kms:CreateGrant", "kms:Decrypt", "kms:DeleteAlias", "kms:EnableKeyRotation", "kms:Encrypt",
        "kms:GenerateDataKey", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:TagResource", "kms:UntagResource",
        "kms:UpdateAlias", "kms:UpdateKeyDescription",
    ],
    "logs": [
        "logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:DeleteRetentionPolicy", "logs:PutRetentionPolicy",
        "logs:AssociateKmsKey", "logs:DisassociateKmsKey", "logs:TagResource", "logs:UntagResource",
    ],
    "sns": [
        "sns:CreateTopic", "sns:DeleteTopic", "sns:SetTopicAttributes", "sns:Subscribe", "sns:TagResource", "sns:UntagResource",
    ],
    "cloudwatch": ["cloudwatch:DeleteAlarms", "cloudwatch:DeleteDashboards", "cloudwatch:PutDashboard", "cloudwatch:PutMetricAlarm", "cloudwatch:TagResource", "cloudwatch:UntagResource"],
    "events": ["events:DeleteRule", "events:PutRule", "events:PutTargets", "events:RemoveTargets", "events:TagResource", "events:UntagResource"],
    # RDS and Redshift create the admin secrets they manage (manage_master_user_password and
    # the like) in the caller's name; the Data API reads the namespace's admin secret.
    "secretsmanager": ["secretsmanager:CreateSecret", "secretsmanager:GetSecretValue", "secretsmanager:TagResource", "secretsmanager:RotateSecret"],
}
# Calls with no resource to name (CreateKey: the key does not exist yet; DescribeStatement: a
# statement id is no ARN; SNS authorizes subscription calls on no resource type).
# security/iam-wildcards.yaml holds the reasons.
UNSCOPED_ACTIONS = ["kms:CreateKey", "redshift-data:DescribeStatement", "redshift-data:CancelStatement", "sns:SetSubscriptionAttributes", "sns:Unsubscribe"]

IAM_MANAGE = [
    "iam:DeleteRole", "iam:DeleteRolePolicy", "iam:DetachRolePolicy", "iam:TagRole", "iam:UntagRole", "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole", "iam:ListInstanceProfilesForRole",
]
# What gives a role permissions: allowed only on a role that carries the bootstrap's boundary
# (IAM checks iam:PermissionsBoundary against the boundary the call sets or the role has), so a
# role the apply role creates or widens can never do more than boundary_policy allows.
# PutRolePermissionsBoundary sets that very boundary on a role applied before it existed.
IAM_GRANT = ["iam:AttachRolePolicy", "iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy"]
IAM_POLICY_MANAGE = ["iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:TagPolicy", "iam:UntagPolicy"]
# What no rollout job may do to the boundary, whatever an environment is named.
BOUNDARY_PROTECT = [*IAM_POLICY_MANAGE, "iam:SetDefaultPolicyVersion"]
# The roles the stacks create are passed to these services only.
PASSED_TO = ["monitoring.rds", "rds", "redshift", "vpc-flow-logs"]  # principals' short names
# What no rollout job may do to the bootstrap's own identity, whatever the names.
SELF_PROTECT = [
    "iam:AttachRolePolicy", "iam:CreateRole", "iam:DeleteRole", "iam:DeleteRolePermissionsBoundary", "iam:DeleteRolePolicy", "iam:DetachRolePolicy",
    "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:UpdateRole", "iam:TagRole", "iam:UntagRole",
]


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def trust_policy(catalog: Catalog, plan: AccountPlan, kind: str, provider_arn: str) -> dict[str, Any]:
    prefix = catalog.rollout.subject_prefix
    if kind == "plan":
        subjects = [f"{prefix}:pull_request", f"{prefix}:ref:refs/heads/{catalog.rollout.default_branch}"]
    else:
        subjects = [f"{prefix}:environment:{name}" for name in plan.apply_environments]
    return _doc(
        {
            "Sid": "GitHubWorkflowJobsOfThisRepository",
            "Effect": "Allow",
            "Principal": {"Federated": provider_arn},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {f"{OIDC_HOST}:aud": sts_audience(plan.regions[0]), f"{OIDC_HOST}:sub": subjects}},
        }
    )


def _arns(plan: AccountPlan, service: str, resource: str) -> list[str]:
    return [f"arn:{plan.partition}:{service}:{region}:{plan.account_id}:{resource}" for region in plan.regions]


def _state_statements(catalog: Catalog, plan: AccountPlan, key_arns: list[str], *, write: bool) -> list[dict[str, Any]]:
    p = plan.partition
    own = [f"arn:{p}:s3:::{bucket}/{catalog.app}/{plan.account_id}/*" for _, bucket in plan.buckets]
    locks = [f"{arn}.tflock" for arn in own]
    # The plan role writes lock files only; the apply role writes its states and removes locks.
    if write:
        writes = [
            {"Sid": "WriteOwnStateAndLocks", "Effect": "Allow", "Action": ["s3:PutObject"], "Resource": own},
            {"Sid": "RemoveOwnLockFiles", "Effect": "Allow", "Action": ["s3:DeleteObject"], "Resource": locks},
        ]
    else:
        writes = [{"Sid": "WriteLockFiles", "Effect": "Allow", "Action": ["s3:PutObject", "s3:DeleteObject"], "Resource": locks}]
    statements = [
        {"Sid": "ListStateBuckets", "Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": [f"arn:{p}:s3:::{bucket}" for _, bucket in plan.buckets]},
        {"Sid": "ReadOwnState", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": own},
        writes[0],
        {"Sid": "UseStateKeys", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], "Resource": key_arns},
        *writes[1:],
    ]
    if plan.reads:
        statements.append(
            {"Sid": "ReadUpstreamStatesOfSharedEnvironments", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": [f"arn:{p}:s3:::{share.bucket}/{share.prefix}*" for share in plan.reads]}
        )
        statements.append(
            {
                "Sid": "DecryptUpstreamStatesThroughS3",
                "Effect": "Allow",
                "Action": ["kms:Decrypt"],
                "Resource": sorted({f"arn:{p}:kms:{share.region}:{share.account_id}:key/*" for share in plan.reads}),
                "Condition": {"StringEquals": {"kms:ViaService": sorted({service_endpoint("s3", share.region) for share in plan.reads})}},
            }
        )
    return statements


def plan_policy(catalog: Catalog, plan: AccountPlan, key_arns: list[str]) -> dict[str, Any]:
    return _doc(
        {"Sid": "RefreshWhatTheStacksManage", "Effect": "Allow", "Action": READ_ACTIONS, "Resource": "*"},
        *_state_statements(catalog, plan, key_arns, write=False),
    )


def _inbound_integrations(plan: AccountPlan) -> list[dict[str, Any]]:
    """rds:CreateIntegration also needs the caller's redshift:CreateInboundIntegration on the
    target namespace (REFERENCE.md, operator IAM; the target's resource policy grants the other
    half). Namespace ids are known only once the warehouse exists, so: any namespace of the
    warehouses this account's integrations feed, in both ARN forms."""
    if not plan.integration_targets:
        return []
    p = plan.partition
    targets = [
        arn
        for region, account in plan.integration_targets
        for arn in (f"arn:{p}:redshift:{region}:{account}:namespace:*", f"arn:{p}:redshift-serverless:{region}:{account}:namespace/*")
    ]
    return [{"Sid": "CreateIntegrationsIntoTheirTargets", "Effect": "Allow", "Action": ["redshift:CreateInboundIntegration"], "Resource": targets}]


def _operator_attachments(operators: list[str], policies: list[str]) -> list[dict[str, Any]]:
    """The catalog's operator roles exist before the stacks and carry no boundary: the apply role
    may attach and detach the environments' own policies to them, nothing else."""
    if not operators:
        return []
    return [
        {
            "Sid": "AttachOnlyTheEnvironmentsPoliciesToOperatorRoles",
            "Effect": "Allow",
            "Action": ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
            "Resource": operators,
            "Condition": {"ArnLike": {"iam:PolicyArn": policies}},
        }
    ]


def boundary_policy(catalog: Catalog, plan: AccountPlan) -> dict[str, Any]:
    """The permissions boundary of every role the stacks create in this account: the union of
    what the stacks grant them (AWS's AmazonRDSEnhancedMonitoringRole for enhanced monitoring,
    the VPC flow logs' writer, the cross-account discovery role, LOAD DATA FROM S3), so that a
    policy the apply role writes for such a role more broadly than the stacks do grants nothing
    more. tests/test_permissions_boundary.py checks every grant of every stack against it."""
    p, app = plan.partition, catalog.app
    groups = [arn for pattern in ("log-group:RDS*", f"log-group:/{app}-*") for arn in _arns(plan, "logs", pattern)]
    statements: list[dict[str, Any]] = [
        {
            "Sid": "WriteMonitoringAndFlowLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents", "logs:PutRetentionPolicy"],
            "Resource": groups,
        },
        {"Sid": "ReadEnhancedMonitoringLogs", "Effect": "Allow", "Action": ["logs:GetLogEvents"], "Resource": _arns(plan, "logs", "log-group:RDS*:log-stream:*")},
        {"Sid": "ListWarehouses", "Effect": "Allow", "Action": ["redshift-serverless:ListNamespaces", "redshift:DescribeClusters"], "Resource": "*"},
    ]
    buckets = sorted(
        {bucket for env in catalog.environments if env.source_account.account_id == plan.account_id for source in env.sources for bucket in source.s3_import_buckets}
    )
    if buckets:
        statements += [
            {"Sid": "ListImportBuckets", "Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": [f"arn:{p}:s3:::{b}" for b in buckets]},
            {"Sid": "ReadImportObjects", "Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectVersion"], "Resource": [f"arn:{p}:s3:::{b}/*" for b in buckets]},
        ]
    return _doc(*statements)


def apply_policy(catalog: Catalog, plan: AccountPlan, key_arns: list[str]) -> dict[str, Any]:
    p, account = plan.partition, plan.account_id
    resources = {
        "rds": _arns(plan, "rds", "*"),
        "redshift": _arns(plan, "redshift", "*"),
        "redshift-serverless": _arns(plan, "redshift-serverless", "*"),
        "redshift-data": _arns(plan, "redshift-serverless", "workgroup/*") + _arns(plan, "redshift", "cluster:*"),
        "ec2": _arns(plan, "ec2", "*"),
        "kms": _arns(plan, "kms", "key/*") + _arns(plan, "kms", f"alias/{catalog.app}-*"),
        "logs": _arns(plan, "logs", "log-group:*"),
        "sns": _arns(plan, "sns", f"{catalog.app}-*"),
        "cloudwatch": _arns(plan, "cloudwatch", "alarm:*") + [f"arn:{p}:cloudwatch::{account}:dashboard/{catalog.app}-*"],
        "events": _arns(plan, "events", f"rule/{catalog.app}-*"),
        "secretsmanager": _arns(plan, "secretsmanager", "secret:*"),
    }
    manage = [
        {"Sid": f"Manage{service.title().replace('-', '')}", "Effect": "Allow", "Action": actions, "Resource": resources[service]}
        for service, actions in MANAGE_ACTIONS.items()
    ]
    roles = [f"arn:{p}:iam::{account}:role/{catalog.app}-{env}-*" for env in plan.environments]
    operators = sorted({f"arn:{p}:iam::{account}:role/{name}" for env in catalog.environments if env.name in plan.environments for name in env.operator_role_names})
    policies = [f"arn:{p}:iam::{account}:policy/{catalog.app}-{env}-*" for env in plan.environments]
    own_roles = [role_arn(catalog, account, plan.regions[0], kind) for kind in ROLLOUT_ROLES]
    boundary = boundary_arn(catalog, account, plan.regions[0])
    return _doc(
        {"Sid": "RefreshWhatTheStacksManage", "Effect": "Allow", "Action": READ_ACTIONS, "Resource": "*"},
        {"Sid": "CallsWithoutAResource", "Effect": "Allow", "Action": UNSCOPED_ACTIONS, "Resource": "*"},
        *manage,
        *_inbound_integrations(plan),
        {"Sid": "ManageTheEnvironmentsRoles", "Effect": "Allow", "Action": IAM_MANAGE, "Resource": roles},
        {
            "Sid": "GrantTheEnvironmentsRolesOnlyWithinTheBoundary",
            "Effect": "Allow",
            "Action": IAM_GRANT,
            "Resource": roles,
            "Condition": {"ArnEquals": {"iam:PermissionsBoundary": boundary}},
        },
        *_operator_attachments(operators, policies),
        {"Sid": "ManageTheEnvironmentsPolicies", "Effect": "Allow", "Action": IAM_POLICY_MANAGE, "Resource": policies},
        {
            "Sid": "PassTheEnvironmentsRolesToTheirServices",
            "Effect": "Allow",
            "Action": ["iam:PassRole"],
            "Resource": roles,
            "Condition": {"StringEquals": {"iam:PassedToService": [service_principal(s, plan.regions[0]) for s in PASSED_TO]}},
        },
        {"Sid": "NeverTheRolloutsOwnRoles", "Effect": "Deny", "Action": SELF_PROTECT, "Resource": own_roles},
        {"Sid": "NeverTheBoundary", "Effect": "Deny", "Action": BOUNDARY_PROTECT, "Resource": boundary},
        *_state_statements(catalog, plan, key_arns, write=True),
    )
