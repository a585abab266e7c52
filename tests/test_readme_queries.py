"""Every example query in the README gives the answer printed under it, on a fresh build, read-only."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from tradewh import PROJECT_ROOT

EXAMPLE = re.compile(r"```sql\n(?P<sql>.*?)```\n```text\n(?P<answer>.*?)```", re.DOTALL)


def readme_examples() -> list[tuple[str, list[list[str]]]]:
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    examples = []
    for match in EXAMPLE.finditer(text):
        rows = [[cell.strip() for cell in line.split("|")] for line in match["answer"].strip().splitlines()]
        examples.append((match["sql"].strip().rstrip(";"), rows))
    return examples


def render(value: object) -> str:
    return "NULL" if value is None else str(value)


def test_readme_has_examples() -> None:
    assert len(readme_examples()) >= 7


def example_id(value: object) -> str:
    return " ".join(str(value).split())[:48] if isinstance(value, str) else "answer"


@pytest.mark.parametrize(("sql", "expected"), readme_examples(), ids=example_id)
def test_readme_example_answer(built_warehouse: Path, sql: str, expected: list[list[str]]) -> None:
    with duckdb.connect(str(built_warehouse), read_only=True) as connection:
        cursor = connection.execute(sql)
        header = [column[0] for column in cursor.description]
        rows = [[render(value) for value in row] for row in cursor.fetchall()]
    assert [header, *rows] == expected
