"""Conveyor's command line: `python run.py --help` lists runnable examples."""

import sys

from conveyor.cli import main

if __name__ == "__main__":
    sys.exit(main())
