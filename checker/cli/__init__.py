"""The command line: `syncproof COMMAND ...`, one module per command in `checker.cli.main.commands`."""
