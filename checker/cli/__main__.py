"""`python -m checker.cli`: the command line, as the `syncproof` script runs it."""

from checker.cli.main import current_directory_last, main

if __name__ == "__main__":
    current_directory_last()
    raise SystemExit(main())
