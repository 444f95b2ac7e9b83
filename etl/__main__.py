import sys

from etl.cli import main

if __name__ == "__main__":  # guarded: the parsing sandbox's spawned child imports this module
    sys.exit(main())
