"""What each CLI command does, separate from argument parsing (bot/cli/app.py) so tests can call it
directly; one module per group of commands.

Functions return the text to print and raise `UserFacingError` (or one of the services' errors, which
`context.service_errors` turns into one) for anything the user can fix.
"""
