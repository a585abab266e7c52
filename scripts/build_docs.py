#!/usr/bin/env python3
"""Write the dbt docs site as one self-contained page (see tradewh.docs_site)."""

import sys

from tradewh.docs_site import main

if __name__ == "__main__":
    sys.exit(main())
