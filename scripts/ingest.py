#!/usr/bin/env python3
"""Bring customs data into the warehouse: GACC queries, published figures, region tables (see tradewh.ingest_cli)."""

import sys

from tradewh.ingest_cli import main

if __name__ == "__main__":
    sys.exit(main())
