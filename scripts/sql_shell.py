#!/usr/bin/env python3
"""A locked interactive SQL shell on the published warehouse (see tradewh.sql_shell): `make sql`."""

import sys

from tradewh.sql_shell import main

if __name__ == "__main__":
    sys.exit(main())
