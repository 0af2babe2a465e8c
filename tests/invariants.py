"""Invariants every synthesized fleet must hold, whatever the catalog said."""

from __future__ import annotations

import re

from tests.harness import Synthesized, resources


def check_invariants(synth: Synthesized) -> None:
    keys = set()
    for name, stack in synth.stacks.items():
        backend = stack["terraform"]["backend"]
        key = backend.get("s3", {}).get("key") or backend["local"]["path"]
        assert key not in keys, f"{name} shares its state"
        keys.add(key)
        assert stack["provider"]["aws"][0]["allowed_account_ids"], name
        for group in resources(stack, "aws_security_group").values():
            for rule in group.get("ingress", []) + group.get("egress", []):
                assert "0.0.0.0/0" not in (rule.get("cidr_blocks") or []), name
        for cluster in resources(stack, "aws_rds_cluster").values():
            assert cluster["storage_encrypted"] and cluster["deletion_protection"] and cluster["manage_master_user_password"], name
            version = tuple(int(x) for x in cluster["engine_version"].split(".")[-3:])
            assert version >= (3, 5, 2), name
        for workgroup in resources(stack, "aws_redshiftserverless_workgroup").values():
            params = {p["parameter_key"]: p["parameter_value"] for p in workgroup["config_parameter"]}
            assert params["enable_case_sensitive_identifier"] == "true" and workgroup["enhanced_vpc_routing"] is False, name
        for cluster in resources(stack, "aws_redshift_cluster").values():
            assert cluster["encrypted"] is True and cluster["enhanced_vpc_routing"] is False, name
        declared = set(stack.get("variable", {}))
        assigned = set(re.findall(r"^([a-z_0-9]+)\s*=", synth.tfvars[name], re.M))
        assert declared == assigned, name
