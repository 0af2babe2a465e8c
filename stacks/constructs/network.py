"""The private network the data stores live in: created, or taken from the catalog."""

from __future__ import annotations

import ipaddress
import json

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.default_security_group import DefaultSecurityGroup
from cdktf_cdktf_provider_aws.flow_log import FlowLog
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.route_table import RouteTable
from cdktf_cdktf_provider_aws.route_table_association import RouteTableAssociation
from cdktf_cdktf_provider_aws.subnet import Subnet
from cdktf_cdktf_provider_aws.vpc import Vpc
from cdktf_cdktf_provider_aws.vpc_endpoint import VpcEndpoint
from constructs import Construct

from stacks.constructs.iam import service_role
from zeroetl.catalog.facts import partition
from zeroetl.catalog.naming import flow_logs_group_name, flow_logs_role_name
from zeroetl.catalog.network import Network


class FlowLogs(Construct):
    """Every packet decision of the VPC, kept a year in an encrypted log group."""

    def __init__(self, scope: Construct, id_: str, *, vpc_id: str, name: str, region: str, account_id: str, kms_key_arn: str) -> None:
        super().__init__(scope, id_)
        group = CloudwatchLogGroup(self, "log-group", name=flow_logs_group_name(name), retention_in_days=365, kms_key_id=kms_key_arn)
        write = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                    "Resource": [group.arn, f"{group.arn}:*"],
                }
            ],
        }
        role = service_role(self, name=flow_logs_role_name(name), service="vpc-flow-logs", region=region, account_id=account_id)
        IamRolePolicy(self, "write", name="write-flow-logs", role=role.id, policy=json.dumps(write, indent=2))
        FlowLog(self, "flow-log", vpc_id=vpc_id, traffic_type="ALL", log_destination=group.arn, iam_role_arn=role.arn)


class PrivateNetwork(Construct):
    """A VPC with no internet gateway: one private subnet per zone and an S3 gateway endpoint,
    the only way out, which LOAD DATA FROM S3 needs.

    vpc_id, subnet_ids and s3_prefix_list_id are what the data stores need; with an existing
    network they are the catalog's ids and no S3 prefix list is known.
    """

    def __init__(
        self, scope: Construct, id_: str, *, network: Network, region: str, name: str, account_id: str, kms_key_arn: str
    ) -> None:
        super().__init__(scope, id_)
        self.cidr_blocks = [str(b) for b in network.allowed_cidr_blocks] or [str(network.vpc_cidr)]
        if not network.create_vpc:
            self.vpc_id: str = network.vpc_id
            self.subnet_ids: list[str] = list(network.subnet_ids)
            self.s3_prefix_list_id: str | None = None
            return
        vpc = Vpc(
            self,
            "vpc",
            cidr_block=str(network.vpc_cidr),
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags={"Name": name},
        )
        # The default security group would allow all traffic between members: close it.
        DefaultSecurityGroup(self, "default-sg-closed", vpc_id=vpc.id, ingress=[], egress=[])
        route_table = RouteTable(self, "private-routes", vpc_id=vpc.id, tags={"Name": f"{name}-private"})
        slices = list(ipaddress.IPv4Network(network.vpc_cidr).subnets(new_prefix=20))
        subnets = []
        for index, zone in enumerate(network.availability_zones):
            subnet = Subnet(
                self,
                f"private-{zone}",
                vpc_id=vpc.id,
                availability_zone=zone,
                cidr_block=str(slices[index]),
                map_public_ip_on_launch=False,
                tags={"Name": f"{name}-private-{zone}"},
            )
            RouteTableAssociation(self, f"private-{zone}-routes", subnet_id=subnet.id, route_table_id=route_table.id)
            subnets.append(subnet)
        endpoint = VpcEndpoint(
            self,
            "s3-endpoint",
            vpc_id=vpc.id,
            # The China regions prefix their service names with "cn.".
            service_name=f"{'cn.' if partition(region) == 'aws-cn' else ''}com.amazonaws.{region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=[route_table.id],
            tags={"Name": f"{name}-s3"},
        )
        FlowLogs(self, "flow-logs", vpc_id=vpc.id, name=name, region=region, account_id=account_id, kms_key_arn=kms_key_arn)
        self.vpc_id = vpc.id
        self.subnet_ids = [s.id for s in subnets]
        self.s3_prefix_list_id = endpoint.prefix_list_id
