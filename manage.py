#!/usr/bin/env python
"""Django's command-line utility; `allie` is the same with a shorter name."""

from __future__ import annotations

from allie.cli import main

if __name__ == "__main__":
    main()
