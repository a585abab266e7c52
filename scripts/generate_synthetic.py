#!/usr/bin/env python3
"""Write SYNTHETIC GACC-platform-format export files for load tests (see tradewh.synthetic)."""

import sys

from tradewh.synthetic import main

if __name__ == "__main__":
    sys.exit(main())
