#!/usr/bin/env python3
"""Export every mart of the warehouse as Parquet (see tradewh.export)."""

import sys

from tradewh.export import main

if __name__ == "__main__":
    sys.exit(main())
