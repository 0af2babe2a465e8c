"""What moto 5.2.5 lacks for these stacks, each addition a module that names the AWS API pages
it imitates. An addition has SERVICE (the SigV4 signing name), PROTOCOL (query or json),
XMLNS for query services, and HANDLERS {action: handler(Call) -> result}."""

from tests.emulator.additions import rds_integration, redshift_data, redshift_parameters, redshift_policy, redshift_serverless

ADDITIONS = (redshift_serverless, redshift_policy, redshift_parameters, rds_integration, redshift_data)
