#!/usr/bin/env python3
"""Generates the canonical-JSON test vectors of handshake-canonical, once, for checking in.

This is an independent second implementation of the rules in crates/canonical/src (written in
Python's standard library only, Python 3.11+; the timestamp rule is the Python SDK's
`canonical_timestamp`, loaded from sdk/python), so the checked-in vectors are not just the Rust
code's output fed back to itself: `cargo test -p handshake-canonical` compares the Rust output
with what this script wrote. Run it only to add a case, then review the diff by eye and
hand-check a few digests with `printf '%s' '<canonical>' | sha256sum` (see README.md):

    python3 crates/canonical/vectors/generate.py

Each case's input is raw JSON text, written in ASCII with \\u escapes so that decomposed
characters and number literals (`1.0`, `1E2`, `-0`) reach the vector file exactly as written.
"""

import hashlib
import importlib.util
import json
import pathlib
import unicodedata

HERE = pathlib.Path(__file__).resolve().parent

CASES = [
    ("key_order_ascii", r'{"b":1,"a":2,"B":3,"_":4,"aa":5,"":6,"A":7,"0":8}'),
    ("key_order_non_ascii", r'{"\u00f6":1,"z":2,"\u00e9":3,"\u65e5\u672c":4,"\u03a9":5,"\u00c9":6}'),
    # U+E000 < U+FF61 < U+1F600 by code point; RFC 8785 (UTF-16 units) puts the emoji
    # (surrogate 0xD83D) first.
    ("key_order_code_point_not_utf16", r'{"\ud83d\ude00":"emoji","\uff61":"halfwidth stop","\ue000":"private use","~":"tilde"}'),
    ("nfc_value_decomposed", r'{"name":"Cafe\u0301","city":"Ma\u0301laga"}'),
    ("nfc_value_composed", r'{"name":"Caf\u00e9","city":"M\u00e1laga"}'),
    # The decomposed key sorts as U+00E9, after "f".
    ("nfc_key_decomposed", r'{"e\u0301":"e acute","f":"f","e":"e"}'),
    ("nfc_hangul", r'{"jamo":"\u1100\u1161\u11a8","syllable":"\uac01","mixed":"\u1112\u1161\u11ab\u1100\u1173\u11af"}'),
    ("nfc_combining_order", r'{"s":"a\u0323\u0302","t":"a\u0302\u0323","u":"\u1ead"}'),
    ("float_edge_cases", r'[0.1,1e21,1e-7,-0.0,0.0000005,0.0000015,0.0000025,1.5,1.0,1E2,0.0078125,0.0234375,-1e-7,-0.0000006,123.4567895,3.141592653589793,-2.5e-6,1.7976931348623157e308]'),
    ("integers", r'[0,-1,42,9007199254740993,-9007199254740993,18446744073709551615,-9223372036854775808,18446744073709551616,-0]'),
    ("integer_or_float_by_literal", r'{"int":1,"float":1.0,"exp":1e0,"negative_int":-7,"negative_float":-7.0}'),
    ("timestamps_with_offsets", r'{"utc":"2026-01-02T03:04:05Z","plus_two":"2026-01-02T05:04:05+02:00","minus_quarter":"2026-01-01T23:30:00.123456789-01:45","lower_case":"2026-01-02t03:04:05.5z","unknown_offset":"2026-01-02T03:04:05-00:00","year_end":"2026-12-31T23:59:59.9999999-00:30"}'),
    ("timestamp_like_strings_kept", r'{"date_only":"2026-01-02","no_offset":"2026-01-02T03:04:05","no_such_day":"2026-02-30T00:00:00Z","leap_second":"2026-06-30T23:59:60Z","embedded":"due 2026-01-02T05:04:05+02:00","space_separator":"2026-01-02 03:04:05Z","2026-01-02T05:04:05+02:00":"keys are never rewritten"}'),
    ("nested_objects_and_arrays", r'{"z":{"y":[3,{"b":[],"a":{}}],"x":null},"a":[[[]],{},[{"k":[1,[2,[3]]]}]],"t":true,"f":false}'),
    ("empty_object", r'{}'),
    ("empty_array", r'[]'),
    ("array_order_kept", r'[3,1,2,"b","a",{"b":1,"a":2},null,true,false]'),
    ("escapes", r'{"s":"quote\" backslash\\ slash\/ b\b f\f n\n r\r t\t nul\u0000 soh\u0001 us\u001f del\u007f ls\u2028 ps\u2029 nbsp\u00a0 emoji\ud83d\ude00","k\"ey\\with\nescapes":1}'),
    ("top_level_string", r'"Cafe\u0301 \t"'),
    ("top_level_scalars", r'[null,true,false,"",0,0.0]'),
    ("context_snapshot_like", r'{"context_snapshot_id":"0193a2b4-5c6d-7e8f-9a0b-1c2d3e4f5a6b","job_id":"0193a2b4-0000-7000-8000-000000000001","step_id":"step-1","created_at":"2026-03-04T10:11:12.5+01:00","determinism_mode":"strict","model_tier":"local","model_id":"llama-3.1-8b","policy_profile_id":"default","calendar_scope_hint":{"active_event_id":"evt-9","confidence":0.875,"source":"calendar"},"layer_scope":{"read":["raw","derived"],"write":["derived"]},"scope_inputs_hash":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","retrieval_candidates":{"ids_hash":"4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945","count":2},"selected_sources":{"ids_hash":"4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945","count":2},"prompt_envelope_hashes":{"stable_prefix_hash":"a","variable_suffix_hash":"b","full_prompt_hash":"c"},"artifact_handles":[],"seed":42,"warnings":["R\u00e9sum\u00e9 truncated"]}'),
]


def load_sdk_canonical():
    """The Python SDK's port of the rules (sdk/python/handshake_job_model/canonical.py, standard
    library only), loaded as a file so that the package's generated pydantic models stay out."""
    path = HERE.parents[2] / "sdk" / "python" / "handshake_job_model" / "canonical.py"
    spec = importlib.util.spec_from_file_location("handshake_sdk_canonical", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The timestamp rule is the SDK's own function: one Python implementation of it, not two.
canonical_timestamp = load_sdk_canonical().canonical_timestamp


def escape(text):
    # Python escapes exactly as RFC 8785 does with ensure_ascii=False: \" \\ \b \f \n \r \t,
    # other controls as lower-case \u00xx, everything else literal.
    return json.dumps(text, ensure_ascii=False)


class JsonObject(list):
    """An object's (key, value) pairs in input order, told apart from an array."""


def canonical(value):
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = format(value, ".6f")
        if text.startswith("-") and set(text[1:]) <= set("0."):
            text = text[1:]
        return text
    if isinstance(value, str):
        text = unicodedata.normalize("NFC", value)
        timestamp = canonical_timestamp(text)
        return f'"{timestamp}"' if timestamp else escape(text)
    if isinstance(value, list) and not isinstance(value, JsonObject):
        return "[" + ",".join(canonical(item) for item in value) + "]"
    pairs = [(unicodedata.normalize("NFC", key), item) for key, item in value]
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("keys equal after NFC")
    return "{" + ",".join(escape(key) + ":" + canonical(item) for key, item in sorted(pairs, key=lambda pair: pair[0])) + "}"


def parse_int(literal):
    # serde_json holds `-0` and integers outside i64/u64 as binary64 floats; do the same.
    number = int(literal)
    if literal.startswith("-0") or not -(2**63) <= number < 2**64:
        return float(literal)
    return number


def main():
    for old in HERE.glob("*.json"):
        old.unlink()
    for name, raw in CASES:
        assert raw.isascii(), name
        value = json.loads(raw, parse_int=parse_int, object_pairs_hook=JsonObject)
        text = canonical(value)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        body = (
            "{\n"
            f'  "name": {json.dumps(name)},\n'
            f'  "input": {raw},\n'
            f'  "canonical": {json.dumps(text, ensure_ascii=True)},\n'
            f'  "sha256": "{digest}"\n'
            "}\n"
        )
        (HERE / f"{name}.json").write_text(body, encoding="utf-8", newline="\n")
        print(f"{digest}  {name}")


if __name__ == "__main__":
    main()
