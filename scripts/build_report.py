#!/usr/bin/env python3
"""Write the offline HTML report with charts (see tradewh.report)."""

import sys

from tradewh.report import main

if __name__ == "__main__":
    sys.exit(main())
