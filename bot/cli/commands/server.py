"""Running the app: `samrad serve`, `samrad demo`, and the terminal chat (`samrad chat`)."""

from __future__ import annotations

from bot import channels as channel_registry
from bot.bootstrap import App, build
from bot.cli import database
from bot.cli.context import open_app
from bot.cli.errors import UserFacingError
from bot.settings import get_settings
from storage import migrate


def serve(*, host: str, port: int) -> None:
    from bot.bootstrap import warn_if_secret_key_stored
    from bot.server import run_server

    app = open_app()
    warn_if_secret_key_stored(app)
    _refuse_unsafe_channels(app)
    print(f"Database: {database.describe(app.settings.database_url)}", flush=True)
    run_server(app, host=host, port=port)


def _refuse_unsafe_channels(app: App) -> None:
    """A channel switched on in a way that would take events from anyone stops the server from starting."""
    problems = channel_registry.unsafe(app.settings)
    if problems:
        raise UserFacingError("; ".join(problems))


def demo(*, host: str, port: int, serve: bool, reset: bool = False) -> None:
    from bot.cli.demo import reset as reset_demo
    from bot.cli.demo import seed_and_print
    from bot.server import run_server

    settings = get_settings()
    if "public_url" not in settings.model_fields_set:
        settings = settings.model_copy(update={"public_url": f"http://{host}:{port}"})
    database.prepare_folder(settings.database_url)
    migrate.upgrade(settings.database_url)
    app = build(settings)
    if reset:
        reset_demo(app)
    for line in seed_and_print(app, host=host, port=port):
        print(line, flush=True)
    if serve:
        _refuse_unsafe_channels(app)
        print(f"\nServing on http://{host}:{port} (Ctrl+C stops)", flush=True)
        run_server(app, host=host, port=port)


def chat(*, consultation_id: int, contact_id: int | None) -> None:
    from bot.cli.console_chat import run_console_chat

    app = open_app()
    run_console_chat(app, consultation_id=consultation_id, contact_id=contact_id)
