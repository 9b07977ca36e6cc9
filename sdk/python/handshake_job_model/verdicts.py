"""Pydantic's verdict on JSON records, for the cross-target differential test (hand-written).

Usage::

    python -m handshake_job_model.verdicts [--type TypeName] FILE...

Each file is validated as the wire format: ``json_text.check_json_text`` (duplicate keys and nesting
deeper than ``json_text.MAX_NESTING_DEPTH`` are refused), then ``TypeAdapter(T).validate_json``, on
the same bytes the Rust model and the JSON Schema see. Its type is ``--type`` or, for the corpus layout
``.../<root_type>/{valid,invalid}/<case>.json``, the PascalCase of ``<root_type>`` (``ai_job`` →
``AiJob``); in the rules corpus, ``.../<rule_name>/{valid,invalid}/<root_type>.<case>.json``, the
PascalCase of the file name's first part. Prints one JSON document on stdout::

    {"verdicts": [{"file": "...", "type": "AiJob", "valid": false, "errors": ["job_id: ..."],
                   "violations": [{"pointer": "/context_snapshot", "code": "HSK-RULE-0104"}]}]}

``violations`` lists every broken cross-field rule (``generated.violations``), found by validating
the structure alone (``context={SKIP_RULES: True}``); it is empty when the structure is invalid.

Exit status 0 when every file was judged (whether valid or not), 2 when a file cannot be read or
its type is unknown, so a broken corpus never looks like a rejected record.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from . import generated
from .json_text import check_json_text


def type_for(path: Path, explicit: str | None) -> str:
    """The type a file is validated as: ``explicit`` or the PascalCase of its corpus folder."""
    if explicit is not None:
        return explicit
    root_type = path.parent.parent.name
    if root_type in _RULE_NAMES:
        root_type = path.name.split(".", 1)[0]
    return "".join(word[:1].upper() + word[1:] for word in root_type.split("_"))


_RULE_NAMES = frozenset(rule.name for rule in generated.RULES)


def verdict(path: Path, type_name: str) -> dict[str, Any]:
    """Validate one file; raise ``LookupError`` for an unknown type, ``OSError`` for an unreadable file."""
    if type_name not in generated.__all__:
        raise LookupError(f"{path}: no generated type named {type_name!r}")
    adapter: TypeAdapter[Any] = TypeAdapter(getattr(generated, type_name))
    data = path.read_bytes()
    violations: list[dict[str, str]] = []
    try:
        check_json_text(data, type_name)
        structure = adapter.validate_json(data, context={generated.SKIP_RULES: True})
    except ValidationError:
        pass
    else:
        violations = [
            {"pointer": pointer, "code": code}
            for pointer, code in generated.violations(adapter.dump_python(structure, mode="json"), type_name)
        ]
    try:
        check_json_text(data, type_name)
        adapter.validate_json(data)
    except ValidationError as error:
        messages = [
            f"{'.'.join(str(part) for part in detail['loc']) or '<root>'}: {detail['msg']}"
            for detail in error.errors(include_url=False)
        ]
        return {"file": str(path), "type": type_name, "valid": False, "errors": messages, "violations": violations}
    return {"file": str(path), "type": type_name, "valid": True, "errors": [], "violations": violations}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m handshake_job_model.verdicts", description=__doc__.splitlines()[0])
    parser.add_argument("--type", dest="type_name", help="validate every file as this generated type")
    parser.add_argument("files", nargs="+", type=Path)
    arguments = parser.parse_args(argv)
    verdicts = []
    for path in arguments.files:
        try:
            verdicts.append(verdict(path, type_for(path, arguments.type_name)))
        except (LookupError, OSError) as error:
            print(f"verdicts: {error}", file=sys.stderr)
            return 2
    json.dump({"verdicts": verdicts}, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
