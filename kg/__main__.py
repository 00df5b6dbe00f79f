"""The ``kg`` command (and ``python -m kg``): the command line of :mod:`kg.cli`, started so
that a Ctrl-C while Python is still importing it exits as any interrupt does, with 130 and
no traceback."""

from __future__ import annotations

import sys


def run() -> None:
    try:
        from kg.cli import main
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        sys.exit(130)
    main()


if __name__ == "__main__":
    run()
