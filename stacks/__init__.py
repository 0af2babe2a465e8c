"""cdktf stacks (units of deployment, one state each) and the constructs they compose."""
