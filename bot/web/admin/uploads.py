"""Reading an uploaded file's text, within a size limit."""

from __future__ import annotations

from fastapi import UploadFile

from bot.web.admin.access import Refusal

MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # far above any municipality's businesses file


async def read_upload(file: UploadFile) -> str | None:
    """The file as text (a byte-order mark from Excel is dropped), None when it is not UTF-8; a 413 page
    when it is larger than the limit."""
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise Refusal(413, "too_large")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
