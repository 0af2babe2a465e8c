"""Stage 1, the catalog: YAML in, a validated `Catalog` out.

- `model.py`: the environment, source and target models (`warehouse.py`, `placement.py` for
  the warehouse, the accounts and the state backend), each field validated on load;
- `facts.py`: the AWS facts they obey (REFERENCE.md), the region list as data;
- `naming.py`: the one naming rule (stack names, state keys, AWS names), derived from a model;
- `fleet_rules.py`: rules over the whole fleet (quotas, clashing names), run after the model;
- `loader.py`: file to models, with one message per problem naming file, field and value;
- `reference.py`: the README's catalog reference, generated from the models.
"""
