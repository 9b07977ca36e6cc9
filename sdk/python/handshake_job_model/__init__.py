"""Pydantic v2 models of the Handshake AI Job Model (Master Spec §2.6.6).

Hand-written entry point: everything is generated from ``spec/`` into ``generated/`` by
``cargo xtask codegen`` and re-exported here, so ``from handshake_job_model import AiJob`` works.

Wire format, identical to the Rust model: serialize with
``model.model_dump(mode="json", exclude_none=True)`` (absent optional fields are omitted, timestamps
are RFC 3339 UTC with ``Z``, ids are hyphenated UUID strings). Ids are ``Annotated[UUID, ...]``
aliases, not ``RootModel`` wrappers: they are plain ``uuid.UUID`` values in Python.
"""

from .generated import *  # noqa: F403
from .generated import __all__ as _generated_names

__all__ = list(_generated_names)
