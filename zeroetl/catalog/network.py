"""The catalog's networks: a VPC created per environment (and account), or an existing one."""

from __future__ import annotations

import ipaddress
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from zeroetl.catalog.rules import Unique, ec2_id_pattern
from zeroetl.catalog.strict import Strict


class Network(Strict):
    """Where the data stores live."""

    create_vpc: bool = Field(
        True,
        description="Create a private VPC (no internet gateway) with one subnet per availability zone "
        "and an S3 gateway endpoint; false means use vpc_id and subnet_ids.",
    )
    vpc_cidr: ipaddress.IPv4Network = Field(
        ipaddress.IPv4Network("10.42.0.0/16"),
        description="CIDR of the created VPC, /16 to /28 (Amazon VPC User Guide, \"VPC CIDR blocks\"); subnets are /20 slices of it, "
        "so /16 to /18 in practice.",
    )
    availability_zones: Annotated[list[str], Unique] = Field(
        ...,
        min_length=3,
        max_length=6,
        description="Availability zones, stated rather than looked up so plans run offline. "
        "At least three: Redshift Serverless needs subnets in three zones.",
    )
    vpc_id: str | None = Field(None, pattern=ec2_id_pattern("vpc"), description="Existing VPC (create_vpc: false): vpc- and 8 or 17 hexadecimal digits.")
    subnet_ids: Annotated[list[Annotated[str, Field(pattern=ec2_id_pattern("subnet"))]], Unique] | None = Field(
        None, description="Existing private subnets, one per availability zone (create_vpc: false): subnet- and 8 or 17 hexadecimal digits."
    )
    allowed_cidr_blocks: Annotated[list[ipaddress.IPv4Network], Unique] = Field(
        default_factory=list,
        description="Networks allowed to reach MySQL (3306) and Redshift (5439). Empty means the created VPC's CIDR; "
        "required with create_vpc: false. 0.0.0.0/0 is refused.",
    )

    @field_validator("vpc_cidr")
    @classmethod
    def _vpc_size(cls, cidr: ipaddress.IPv4Network) -> ipaddress.IPv4Network:
        if not 16 <= cidr.prefixlen <= 28:
            raise ValueError("a VPC's CIDR block is /16 (65,536 addresses) to /28; AWS refuses larger or smaller ones")
        return cidr

    @field_validator("allowed_cidr_blocks")
    @classmethod
    def _no_open_ingress(cls, blocks: list[ipaddress.IPv4Network]) -> list[ipaddress.IPv4Network]:
        for block in blocks:
            if block.prefixlen == 0:
                raise ValueError(f"{block} opens the databases to the internet; allowed: private networks only")
        return blocks

    @model_validator(mode="after")
    def _existing_or_created(self) -> Network:
        if self.create_vpc:
            if self.vpc_id or self.subnet_ids:
                raise ValueError("vpc_id/subnet_ids are only read with create_vpc: false")
            if self.vpc_cidr.prefixlen > 20 - (len(self.availability_zones) - 1).bit_length():
                raise ValueError(f"vpc_cidr {self.vpc_cidr} is too small for one /20 subnet per zone")
        else:
            if not self.vpc_id or not self.subnet_ids:
                raise ValueError("create_vpc: false needs vpc_id and subnet_ids")
            if len(self.subnet_ids) != len(self.availability_zones):
                raise ValueError("subnet_ids must list one subnet per availability zone, in the same order")
            if not self.allowed_cidr_blocks:
                raise ValueError(
                    "create_vpc: false needs allowed_cidr_blocks: the existing VPC's range is not known here, "
                    f"and the default vpc_cidr {self.vpc_cidr} would open the databases to whatever uses it"
                )
        return self
