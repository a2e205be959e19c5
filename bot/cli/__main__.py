"""`python -m bot.cli`: the same as the `samrad` command."""

from bot.cli.app import main

main()
