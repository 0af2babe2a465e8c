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
