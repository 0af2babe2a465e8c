"""Where moto 5.2.5 answers differently from AWS in a way the provider reads back as a change.
Each fix names the field; without it the plan after an apply is not empty.

- DescribeDBClusters: moto returns a ScalingConfigurationInfo (Aurora Serverless v1's block)
  for every cluster; AWS returns it only for engine mode `serverless`
  (RDS API Reference, DBCluster.ScalingConfigurationInfo).
- DescribeDBInstances: moto drops PerformanceInsightsEnabled, PerformanceInsightsKMSKeyId and
  PerformanceInsightsRetentionPeriod (RDS API Reference, DBInstance); AWS returns what
  CreateDBInstance / ModifyDBInstance set, with 7 days of retention by default.
"""

from __future__ import annotations

from typing import Any

from moto.rds import models as rds

PERFORMANCE_INSIGHTS = {
    "enable_performance_insights": "performance_insights_enabled",
    "performance_insights_kms_key_id": "performance_insights_kms_key_id",
    "performance_insights_retention_period": "performance_insights_retention_period",
}


def _scaling_configuration_info(cluster: Any) -> dict[str, Any] | None:
    if cluster.engine_mode != "serverless":
        return None
    return _original_scaling(cluster)


def _remember_performance_insights(instance: Any, kwargs: dict[str, Any]) -> None:
    for given, field in PERFORMANCE_INSIGHTS.items():
        if kwargs.get(given) is not None:
            setattr(instance, field, kwargs[given])
    if getattr(instance, "performance_insights_enabled", False) and not getattr(instance, "performance_insights_retention_period", None):
        instance.performance_insights_retention_period = 7


def _init(self: Any, *args: Any, **kwargs: Any) -> None:
    _original_init(self, *args, **kwargs)
    _remember_performance_insights(self, kwargs)


def _update(self: Any, **kwargs: Any) -> None:
    _original_update(self, **kwargs)
    _remember_performance_insights(self, kwargs)


_original_scaling = rds.DBCluster.scaling_configuration_info.fget
_original_init = rds.DBInstance.__init__
_original_update = rds.DBInstance.update


def install() -> None:
    rds.DBCluster.scaling_configuration_info = property(_scaling_configuration_info)
    rds.DBInstance.__init__ = _init
    rds.DBInstance.update = _update
