"""One module per subcommand: each has `add_parser(subparsers)` and `run(args) -> exit code`.

`checker.cli.main` lists them in `COMMANDS`; a new command is a new module plus one
line there.
"""
