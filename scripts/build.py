#!/usr/bin/env python3
"""Build, validate and publish the warehouse (see tradewh.build)."""

import sys

from tradewh.build import main

if __name__ == "__main__":
    sys.exit(main())
