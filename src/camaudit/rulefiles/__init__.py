"""What every YAML rule family shares: one home for reading rule files.

* ``where``: ``file:line`` locations, ``RuleError`` construction and bounded value quotes;
* ``fields``: ``Fields``, the typed field reader (every error names file:line and the field),
  evidence grades and rule ids;
* ``vocab``: the controlled vocabularies in ``rules/vocab/`` (makers, brands, device types,
  observation keys, fields);
* ``registry``: every family's verifier, listed once; ``verify_all`` runs each exactly once
  (``camaudit rules verify``).

This package imports no rule family at import time (the registry imports them when it runs), so
families can use the toolkit without an import cycle.
"""
