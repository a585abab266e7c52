"""The dbt docs site as one self-contained page: ``<warehouse dir>/docs/index.html``.

``dbt docs generate --static`` (dbt 1.7+) writes ``static_index.html``: the docs app with the
manifest (models, columns, descriptions, lineage) and the catalog (column types as built) inlined,
so it opens from disk with no server and no network.

dbt needs a database it may open read-write to read the catalog. It never gets the published
file: during ``make build`` it reads the freshly built staging file before that file is removed;
``make docs`` on its own copies the published file to a temporary folder (under the same file
name, so the catalog name dbt expects is the same) and points dbt at the copy.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import sys
import tempfile
from html import escape
from pathlib import Path

import duckdb

from tradewh.cli import output_arguments
from tradewh.dbt import DbtError, run_dbt
from tradewh.publish import build_label, build_stamp

MARTS_FOLDER = "marts"


def docs_dir_for(warehouse: Path) -> Path:
    """``warehouse/docs/`` beside the published file."""
    return Path(warehouse).resolve().parent / "docs"


def generate_docs(
    database: Path,
    target_path: Path,
    out_dir: Path,
    *,
    compile_models: bool = True,
    stamp: dict[str, str | None] | None = None,
) -> Path:
    """Run ``dbt docs generate --static`` against ``database`` and install the page as out_dir/index.html.

    ``compile_models=False`` (``--no-compile``) is for a target folder that ``dbt build`` just filled:
    the models were compiled then, and the page describes exactly what was built. ``stamp`` (the
    published file's ``build_stamp``) is shown at the bottom of the page and kept in a ``<meta>``.
    """
    args = ["docs", "generate", "--static", *([] if compile_models else ["--no-compile"])]
    run_dbt(args, database=database, target_path=target_path, capture=True)
    page = Path(target_path) / "static_index.html"
    if not page.is_file():
        raise DbtError(f"`dbt docs generate --static` wrote no {page}")
    missing = missing_marts(page, Path(target_path) / "manifest.json")
    if missing:
        raise DbtError(f"{page} does not describe these marts: {', '.join(missing)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "index.html"
    partial = out_dir / f".index.html.partial-{os.getpid()}"
    html = page.read_text(encoding="utf-8")
    partial.write_text(with_build_stamp(html, stamp) if stamp is not None else html, encoding="utf-8")
    partial.replace(target)
    return target


def with_build_stamp(html: str, stamp: dict[str, str | None]) -> str:
    """The page with the build it describes: a ``<meta name="tradewh-build-id">`` and a footer line."""
    label = escape(f"China regional trade warehouse, {build_label(stamp)}")
    meta = f'<meta name="tradewh-build-id" content="{escape(stamp.get("build_id") or "")}">'
    footer = (
        '<div id="tradewh-build" style="position:fixed;right:0;bottom:0;z-index:10000;background:#fff;'
        f'border:1px solid #ccc;padding:2px 8px;font:12px sans-serif;color:#333">{label}</div>'
    )
    if "</head>" not in html or "<body>" not in html:
        raise DbtError("the dbt docs page has no </head> or <body>: cannot stamp its build id")
    return html.replace("</head>", meta + "</head>", 1).replace("<body>", "<body>" + footer, 1)


def mart_names(manifest_path: Path) -> list[str]:
    """Names of the models under models/marts/ in a dbt manifest."""
    manifest = json.loads(Path(manifest_path).read_text(encoding="utf-8"))
    return sorted(
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node.get("fqn", [None, None])[1:2] == [MARTS_FOLDER]
    )


def missing_marts(page: Path, manifest_path: Path) -> list[str]:
    """Marts from the manifest that the page does not carry."""
    html = page.read_text(encoding="utf-8")
    return [name for name in mart_names(manifest_path) if not re.search(rf"model\.[a-z_]+\.{name}\b", html)]


def build_docs_site(warehouse: Path, out_dir: Path | None = None) -> Path:
    """Docs for the published ``warehouse``, generated from a temporary copy of it."""
    warehouse = Path(warehouse).resolve()
    if not warehouse.is_file():
        raise FileNotFoundError(f"no warehouse at {warehouse}: run `make build` first (or pass WAREHOUSE=path)")
    out_dir = Path(out_dir) if out_dir is not None else docs_dir_for(warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        stamp = build_stamp(con)
    with tempfile.TemporaryDirectory(prefix="tradewh-docs-") as tmp:
        copy = Path(tmp) / warehouse.name
        shutil.copyfile(warehouse, copy)
        copy.chmod(stat.S_IRUSR | stat.S_IWUSR)
        page = generate_docs(copy, Path(tmp) / "target", out_dir, stamp=stamp)
    return page


def main(argv: list[str] | None = None) -> int:
    args = output_arguments(
        argv, __doc__, warehouse_help="the published DuckDB file (not modified)", default_folder="docs"
    )
    try:
        page = build_docs_site(args.warehouse, args.out)
    except (FileNotFoundError, DbtError) as exc:
        print(f"[docs] {exc}", file=sys.stderr)
        return 1
    print(f"[docs] wrote {page}")
    return 0
