"""Python tooling for the China regional trade warehouse (importable; the CLIs in scripts/ are thin)."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
