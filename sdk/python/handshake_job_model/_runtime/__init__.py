"""The hand-written runtime the generated modules of ``handshake_job_model.generated`` import.

``cargo xtask codegen`` writes data and thin typed wrappers into ``generated/``; the logic they call
lives here, as ordinary source that mypy checks in strict mode and pytest tests on its own
(``sdk/check.sh``):

* :mod:`.scalars`: the strict scalar types (timestamps, UUIDs, 64-bit integers, optional fields
  that are never ``null``) and the base class of every generated model;
* :mod:`.rules`: the cross-field rule interpreter and :class:`.rules.RuleSet`, which the generated
  ``rules.py`` builds from its rules as data.
"""
