"""The readable check spec (``expectations/checks.yml``) and the GX suites generated from it.

Each check in the spec becomes one Expectation Suite, stored as JSON in the file context
(``expectations/expectations/<check>.json``). A check is:

- ``query``: DuckDB SQL (``{{ name }}`` inserts a shared SQL text from ``definitions:``), run
  read-only against the built warehouse, that returns the frame GX validates (typically one
  row per comparison: the totals compared, the gap, the tolerance, and whether
  ``marts.rpt_figure_issues`` explains the gap);
- ``row_key``: the frame's key columns, so a failure lists the offending rows by key;
- ``expectations``: GX expectation types with their arguments, each with a short ``name`` that
  is unique in the check and a ``notes`` text saying why the bound is what it is.

The SQL travels inside the suite's ``meta`` (``query``, one string per line) so the committed JSON
alone says what is validated; ``tests/test_validation_machinery.py`` checks that the JSON is
exactly what this module generates from the spec. Regenerate with
``python scripts/validate.py --write-suites``.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tradewh import PROJECT_ROOT

CONTEXT_DIR = PROJECT_ROOT / "expectations"
SPEC_PATH = CONTEXT_DIR / "checks.yml"
SUITES_DIRNAME = "expectations"
# uuid5 namespace for the suite and expectation ids: ids are stable across regenerations, so the
# committed JSON only changes when the spec does.
_ID_NAMESPACE = uuid.UUID("6f1d7c0e-2b7a-4f0e-9a51-2f1f3c7a9b10")
_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z][a-z0-9_]*)\s*\}\}")
_GX_VERSION = "1.24.1"


class SpecError(ValueError):
    """The check spec is malformed; the message names the file, check and field."""


@dataclass(frozen=True)
class ExpectationSpec:
    """One expectation of a check."""

    name: str
    type: str
    kwargs: dict[str, Any]
    notes: str


@dataclass(frozen=True)
class CheckSpec:
    """One check: a query producing a frame, and the expectations on that frame."""

    name: str
    rule: str
    description: str
    query: str
    row_key: tuple[str, ...]
    expectations: tuple[ExpectationSpec, ...]
    tables: tuple[str, ...] = field(default_factory=tuple)

    def expectation_names(self) -> list[str]:
        return [f"{self.name}.{exp.name}" for exp in self.expectations]


def _require(mapping: dict[str, Any], key: str, where: str, kind: type | tuple[type, ...]) -> Any:
    if key not in mapping:
        raise SpecError(f"{where}: missing `{key}`")
    value = mapping[key]
    if not isinstance(value, kind):
        raise SpecError(f"{where}: `{key}` must be {kind}, got {type(value).__name__}")
    return value


def _parse_expectation(raw: Any, where: str) -> ExpectationSpec:
    if not isinstance(raw, dict):
        raise SpecError(f"{where}: an expectation must be a mapping")
    name = _require(raw, "name", where, str)
    if not _NAME_PATTERN.match(name):
        raise SpecError(f"{where}: expectation name {name!r} must be lower_snake_case")
    type_ = _require(raw, "type", f"{where}.{name}", str)
    if not type_.startswith("expect_"):
        raise SpecError(f"{where}.{name}: `type` {type_!r} is not a GX expectation type")
    kwargs = _require(raw, "kwargs", f"{where}.{name}", dict)
    notes = _require(raw, "notes", f"{where}.{name}", str)
    unknown = set(raw) - {"name", "type", "kwargs", "notes"}
    if unknown:
        raise SpecError(f"{where}.{name}: unknown keys {sorted(unknown)}")
    return ExpectationSpec(name=name, type=type_, kwargs=dict(kwargs), notes=notes.strip())


def _expand(query: str, definitions: dict[str, str], where: str) -> str:
    """Replace every ``{{ name }}`` with the named SQL definition (no nesting)."""

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in definitions:
            raise SpecError(f"{where}: `{{{{ {name} }}}}` is not in `definitions:` ({sorted(definitions)})")
        return definitions[name].strip()

    return _PLACEHOLDER.sub(substitute, query)


def _parse_check(raw: Any, where: str, definitions: dict[str, str]) -> CheckSpec:
    if not isinstance(raw, dict):
        raise SpecError(f"{where}: a check must be a mapping")
    name = _require(raw, "name", where, str)
    if not _NAME_PATTERN.match(name):
        raise SpecError(f"{where}: check name {name!r} must be lower_snake_case")
    where = f"{where} ({name})"
    unknown = set(raw) - {"name", "rule", "description", "query", "row_key", "expectations", "tables"}
    if unknown:
        raise SpecError(f"{where}: unknown keys {sorted(unknown)}")
    rule = str(_require(raw, "rule", where, (str, int)))
    description = _require(raw, "description", where, str).strip()
    query = _expand(_require(raw, "query", where, str), definitions, where).strip()
    row_key = tuple(raw.get("row_key") or ())
    tables = tuple(raw.get("tables") or ())
    raw_expectations = _require(raw, "expectations", where, list)
    if not raw_expectations:
        raise SpecError(f"{where}: a check needs at least one expectation")
    expectations = tuple(
        _parse_expectation(item, f"{where}.expectations[{i}]") for i, item in enumerate(raw_expectations)
    )
    names = [exp.name for exp in expectations]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise SpecError(f"{where}: duplicate expectation names {duplicates}")
    return CheckSpec(name, rule, description, query, row_key, expectations, tables)


def load_spec(path: Path = SPEC_PATH) -> list[CheckSpec]:
    """Parse the spec; raise SpecError naming the file and check at fault."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SpecError(f"{path}: cannot read the check spec: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("checks"), list):
        raise SpecError(f"{path}: expected a mapping with a `checks:` list")
    definitions = document.get("definitions") or {}
    if not isinstance(definitions, dict) or not all(isinstance(v, str) for v in definitions.values()):
        raise SpecError(f"{path}: `definitions:` must map names to SQL text")
    checks = [_parse_check(item, f"{path}: checks[{i}]", definitions) for i, item in enumerate(document["checks"])]
    names = [check.name for check in checks]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise SpecError(f"{path}: duplicate check names {duplicates}")
    return checks


def _stable_id(*parts: str) -> str:
    return str(uuid.uuid5(_ID_NAMESPACE, "/".join(parts)))


def suite_document(check: CheckSpec) -> dict[str, Any]:
    """The GX 1.x ExpectationSuite JSON for one check (the format the file context stores)."""
    expectations = [
        {
            "id": _stable_id(check.name, exp.name),
            "kwargs": exp.kwargs,
            "meta": {"name": f"{check.name}.{exp.name}"},
            "notes": exp.notes,
            "severity": "critical",
            "type": exp.type,
        }
        for exp in check.expectations
    ]
    return {
        "expectations": expectations,
        "id": _stable_id(check.name),
        "meta": {
            "description": check.description,
            "great_expectations_version": _GX_VERSION,
            # One string per line, so a change to the SQL reads as a line diff in review.
            "query": check.query.splitlines(),
            "row_key": list(check.row_key),
            "rule": check.rule,
            "tables": list(check.tables),
        },
        "name": check.name,
        "notes": check.description,
    }


def render_suite(check: CheckSpec) -> str:
    """The exact text written to ``expectations/expectations/<check>.json``."""
    return json.dumps(suite_document(check), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def suite_path(context_dir: Path, check_name: str) -> Path:
    return context_dir / SUITES_DIRNAME / f"{check_name}.json"


def write_suites(checks: list[CheckSpec], context_dir: Path = CONTEXT_DIR) -> list[Path]:
    """Write one suite JSON per check and delete suites no check declares any more."""
    suites_dir = context_dir / SUITES_DIRNAME
    suites_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for check in checks:
        path = suite_path(context_dir, check.name)
        path.write_text(render_suite(check), encoding="utf-8")
        written.append(path)
    declared = {p.name for p in written}
    for stale in suites_dir.glob("*.json"):
        if stale.name not in declared:
            stale.unlink()
    return written


def suite_drift(checks: list[CheckSpec], context_dir: Path = CONTEXT_DIR) -> list[str]:
    """Differences between the spec and the committed suites (empty when they agree)."""
    problems = []
    suites_dir = context_dir / SUITES_DIRNAME
    declared = set()
    for check in checks:
        path = suite_path(context_dir, check.name)
        declared.add(path.name)
        if not path.exists():
            problems.append(f"{path}: missing (check `{check.name}` is in the spec)")
        elif path.read_text(encoding="utf-8") != render_suite(check):
            problems.append(f"{path}: differs from what the spec generates for `{check.name}`")
    problems.extend(
        f"{stale}: no check `{stale.stem}` in the spec"
        for stale in sorted(suites_dir.glob("*.json"))
        if stale.name not in declared
    )
    return problems
