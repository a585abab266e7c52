#!/usr/bin/env python3
"""Benchmark ingest + dbt build on SYNTHETIC data against plain DuckDB and pandas (see tradewh.bench)."""

import sys

from tradewh.bench import main

if __name__ == "__main__":
    sys.exit(main())
