"""What the command-line entry points share."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path


def output_arguments(
    argv: Sequence[str] | None, description: str | None, *, warehouse_help: str, default_folder: str
) -> argparse.Namespace:
    """The arguments of a command that writes one output of a warehouse (the docs site, the Parquet
    export, the report): ``--warehouse`` (required) and ``--out``, None unless given: the command
    then writes to ``default_folder`` beside the warehouse. ``description`` is the module
    docstring, shown as it is written."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", type=Path, required=True, help=warehouse_help)
    parser.add_argument(
        "--out", type=Path, default=None, help=f"output folder (default: {default_folder}/ beside the warehouse)"
    )
    return parser.parse_args(argv)
