"""Each signed-in person's own notification e-mail (/admin/digest): per event, weekly, or none."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from bot.services import digests
from bot.web.admin.access import Representative, RepresentativeForm, Staff, app_of
from bot.web.admin.pages import render, see_other, texts

router = APIRouter()


def _page(
    request: Request, staff: Staff, *, status: int = 200, done: str | None = None, problem: str | None = None
) -> Response:
    app = app_of(request)
    with app.engine.connect() as conn:
        chosen = digests.subscription(conn, staff.session.user_id)
    t = texts(request)
    choices = [("none", t["digest_none"]), ("event", t["digest_event"]), ("weekly", t["digest_weekly"])]
    return render(
        request, "digest.html", t["digest"], staff, status=status, chosen=chosen or "none", choices=choices,
        done=done, problem=problem, email_on="email" in app.channels,
    )


@router.get("/digest", response_class=HTMLResponse)
def digest_page(request: Request, staff: Representative, done: str = "") -> Response:
    return _page(request, staff, done=texts(request)["digest_saved"] if done == "saved" else None)


@router.post("/digest", response_class=HTMLResponse)
def digest_save(
    request: Request, staff: RepresentativeForm, frequency: Annotated[str, Form(max_length=20)] = "none"
) -> Response:
    app = app_of(request)
    wanted = None if frequency == "none" else frequency
    try:
        with app.engine.begin() as conn:
            digests.subscribe(conn, staff.session.user_id, wanted, actor=staff.actor, now=app.clock(),
                              timezone=app.settings.timezone)
    except digests.DigestError:
        return _page(request, staff, status=422, problem=texts(request)["digest_invalid"])
    return see_other("/admin/digest?done=saved")
