"""The officials' pages under /admin: server-rendered, in Swedish (English switchable), without
JavaScript. `install(web)` adds them to the web app."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, Response

from bot.web.admin import (
    audience_pages,
    auth_pages,
    business_pages,
    case_pages,
    consultation_pages,
    digest_pages,
    feedback_pages,
    free_text_pages,
    other_pages,
    results_pages,
    schedule_pages,
    summary_pages,
    user_pages,
)
from bot.web.admin.access import Refusal, Representative
from bot.web.admin.pages import refusal_response

STATIC = Path(__file__).parent / "static"
STATIC_FILES = {path.name: path for path in STATIC.iterdir() if path.is_file()}

router = APIRouter(prefix="/admin")
for pages in (
    auth_pages, case_pages, audience_pages, schedule_pages, consultation_pages, results_pages, summary_pages,
    free_text_pages, feedback_pages, digest_pages, business_pages, other_pages, user_pages,
):
    router.include_router(pages.router)


@router.get("/static/{name}", include_in_schema=False)
def static_file(name: str) -> FileResponse:
    path = STATIC_FILES.get(name)  # only the files shipped in static/: no path from the request is opened
    if path is None:
        raise HTTPException(404)
    return FileResponse(path, headers={"Cache-Control": "public, max-age=3600"})


@router.get("/{unknown:path}", include_in_schema=False)
def unknown_page(unknown: str, staff: Representative) -> Response:
    """Any other address under /admin (a mistyped or outdated link) gets the readable 404 page with a way
    back, not the framework's `{"detail":"Not Found"}`; signed out, the login first, as every page.
    Declared last, so every page above matches first."""
    raise Refusal(404, "not_found")


async def _invalid_request(request: Request, error: Exception) -> Response:
    """A malformed address on these pages (`/admin/cases/abc`) gets the readable 404 page, and a form
    field past its limit (a hand-made or tampered form: the pages' fields carry the same `maxlength`) a
    readable 422 saying nothing was saved; elsewhere (the JSON API) FastAPI's own answer stays."""
    assert isinstance(error, RequestValidationError)
    if request.url.path.startswith("/admin"):
        in_form = any(problem.get("loc", ("",))[0] == "body" for problem in error.errors())
        return refusal_response(request, Refusal(422, "bad_form") if in_form else Refusal(404, "not_found"))
    return await request_validation_exception_handler(request, error)


def install(web: FastAPI) -> None:
    """Serve the officials' pages from `web`, with their refusals shown as readable pages."""
    web.include_router(router, include_in_schema=False)
    web.add_exception_handler(Refusal, refusal_response)
    web.add_exception_handler(RequestValidationError, _invalid_request)
