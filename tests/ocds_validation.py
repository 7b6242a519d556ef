"""Offline validation of OCDS 1.1 release packages, against the schema and codelists copied
into contracts/data/ocds/ (OCDS 1.1.5 with the bids and lots extensions, v1.1.5).

- The release schema is patched with each extension's release-schema.json by JSON Merge Patch
  (RFC 7386), which is how OCDS applies extensions.
- The package schema's reference to the release schema (an https URL) resolves to the patched
  copy through a ``referencing.Registry`` that has no way to fetch anything: nothing goes online.
- Formats are checked too: date-time (RFC 3339, with its offset) and uri (an absolute http(s)
  address).
- Every field that names a codelist is checked against its CSV, open codelists included (the
  export uses listed codes only), and every field must be one the patched schema defines (no
  home-made fields).

It lives in tests/ because only the tests validate: the site builds packages, it does not need
jsonschema to serve them.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import json
import re
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

DATA = Path(__file__).resolve().parent.parent / "contracts" / "data" / "ocds"
EXTENSIONS = ("ocds_bid_extension", "ocds_lots_extension")


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge key by key, null removes a key, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def release_schema() -> dict:
    """The release schema with the extensions applied."""
    schema = _load(DATA / "release-schema.json")
    for name in EXTENSIONS:
        schema = merge_patch(schema, _load(DATA / "extensions" / name / "release-schema.json"))
    return schema


@cache
def package_schema() -> dict:
    return _load(DATA / "release-package-schema.json")


@cache
def codelists() -> dict[str, frozenset[str]]:
    """Codes by codelist file name, the core's and the extensions' own."""
    folders = [DATA / "codelists", *(DATA / "extensions" / name / "codelists" for name in EXTENSIONS)]
    found = {}
    for folder in folders:
        for path in folder.glob("*.csv") if folder.is_dir() else ():
            with path.open(encoding="utf-8", newline="") as f:
                found[path.name] = frozenset(row["Code"] for row in csv.DictReader(f))
    return found


RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", re.IGNORECASE)


def _format_checker() -> FormatChecker:
    """jsonschema checks date-time and uri only with optional packages; these two checks are
    written here instead (the installed ones are kept)."""
    checker = FormatChecker()  # an instance copy: the checks added here stay here

    @checker.checks("date-time")
    def is_date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True
        if not RFC3339.match(value):
            return False
        try:
            dt.datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
        except ValueError:
            return False
        return True

    @checker.checks("uri")
    def is_uri(value: object) -> bool:
        if not isinstance(value, str):
            return True
        parts = urlparse(value)
        return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in value

    return checker


@cache
def _validator() -> Draft4Validator:
    release = release_schema()
    resource = Resource.from_contents(release, default_specification=DRAFT4)
    registry = Registry().with_resource(release["id"], resource)
    return Draft4Validator(package_schema(), registry=registry, format_checker=_format_checker())


def _resolve(ref: str) -> dict:
    if not ref.startswith("#/"):
        raise ValueError(f"unexpected reference {ref}")
    node: Any = release_schema()
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def _walk(schema: dict, value: Any, where: str, problems: list[str]) -> None:
    while "$ref" in schema:
        schema = _resolve(schema["$ref"])
    name = schema.get("codelist")
    if name is not None:
        codes = codelists().get(name)
        if codes is None:
            problems.append(f"{where}: codelist {name} is not in contracts/data/ocds/")
        else:
            for code in value if isinstance(value, list) else [value]:
                if code is not None and code not in codes:
                    problems.append(f"{where}: {code!r} is not a code of {name}")
    if isinstance(value, dict) and "properties" in schema:
        for key, inner in value.items():
            if key not in schema["properties"]:
                problems.append(f"{where}/{key}: not a field of OCDS 1.1 or its bids and lots extensions")
            else:
                _walk(schema["properties"][key], inner, f"{where}/{key}", problems)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, inner in enumerate(value):
            _walk(schema["items"], inner, f"{where}/{i}", problems)


def problems_of(package: dict | str | bytes) -> list[str]:
    """Everything wrong with a release package (parsed, or its JSON text): empty if valid."""
    if not isinstance(package, dict):
        package = json.loads(package, parse_float=Decimal)
    problems = [
        f"/{'/'.join(str(p) for p in error.absolute_path)}: {error.message}"
        for error in sorted(_validator().iter_errors(package), key=lambda e: list(map(str, e.absolute_path)))
    ]
    for i, release in enumerate(package.get("releases") or []):
        _walk(release_schema(), release, f"/releases/{i}", problems)
    return problems


def assert_valid(package: dict | str | bytes) -> None:
    problems = problems_of(package)
    assert not problems, "Not a valid OCDS 1.1 release package:\n" + "\n".join(problems)
