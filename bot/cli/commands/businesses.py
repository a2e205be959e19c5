"""`samrad business import`: businesses and their contacts from a CSV file."""

from __future__ import annotations

from pathlib import Path

from bot.cli.context import open_app
from bot.cli.errors import UserFacingError
from bot.services import business_file, businesses


def _read_bytes(path: Path, *, limit: int) -> bytes:
    """The file's bytes; a file larger than `limit` is refused before it is read."""
    try:
        if path.stat().st_size > limit:
            raise UserFacingError(f"{path}: larger than {limit // 1_000_000} MB; split it / filen är för stor")
        return path.read_bytes()
    except FileNotFoundError:
        raise UserFacingError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UserFacingError(f"{path}: is a directory, not a file") from None
    except OSError as error:
        raise UserFacingError(f"{path}: {error.strerror}") from None


def business_import(path: Path) -> str:
    app = open_app()
    try:
        # The whole file is checked first; only a clean file is written (in short transactions).
        data = _read_bytes(path, limit=business_file.MAX_FILE_BYTES)
        rows = business_file.parse_businesses_csv(
            business_file.decode_businesses_file(data), teams_hosts=app.settings.teams_webhook_hosts
        )
    except business_file.BusinessFileError as error:
        raise UserFacingError(
            f"{path}: "
            + "; ".join(error.problems[:5])
            + (f"; … {len(error.problems) - 5} more" if len(error.problems) > 5 else "")
        ) from None
    del data  # the rows hold what is needed; the file's bytes need not stay in memory
    result = businesses.import_businesses_in_batches(app.engine, rows, now=app.clock())
    return result.summary()
