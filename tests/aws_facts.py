"""AWS facts the tests check the product against, written here from the pages they cite and
never imported from the product: a test that reads the product's own table only checks the
code against itself (issue 23)."""

# Aurora guide, "zero-etl.setting-up", Step 1 (custom DB cluster parameter group).
BINLOG = {
    "aurora_enhanced_binlog": "1",
    "binlog_backup": "0",
    "binlog_replication_globaldb": "0",
    "binlog_format": "ROW",
    "binlog_row_image": "full",
    "binlog_row_metadata": "full",
    "binlog_transaction_compression": "OFF",
}

# Redshift Serverless API reference, "ConfigParameter": auto_mv, datestyle,
# enable_case_sensitive_identifier, enable_user_activity_logging, query_group, search_path,
# require_ssl, use_fips_ssl; max_query_execution_time from the page's earlier revision (and
# CloudFormation's "AWS::RedshiftServerless::Workgroup ConfigParameter"). AWS answers with all of
# them once any is set, so a workgroup that names fewer plans a change every time.
SERVERLESS_CONFIG_KEYS = frozenset({
    "auto_mv",
    "datestyle",
    "enable_case_sensitive_identifier",
    "enable_user_activity_logging",
    "max_query_execution_time",
    "query_group",
    "require_ssl",
    "search_path",
    "use_fips_ssl",
})
