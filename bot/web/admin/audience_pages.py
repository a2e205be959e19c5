"""A draft consultation's audience: areas, industries (SNI), tags and named businesses, with how many
businesses and contacts it reaches per channel. Works as plain forms ("Räkna" counts, "Sök" searches
the businesses); a small script refreshes the count as the form changes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData, ImmutableMultiDict

from bot.services import audience_picker, directory
from bot.services.channel_reach import NO_CHANNEL
from bot.services.consultations import ConsultationError
from bot.web.admin.access import Official, OfficialForm, Refusal, Staff, app_of
from bot.web.admin.pages import render, see_other, texts
from storage.tables import Consultation

router = APIRouter()

_MAX_VALUES = 500  # checkboxes a form may send per field; more is not a person choosing
_MAX_LENGTH = 200
_SEARCH_LIMIT = 30


def _values(form: ImmutableMultiDict[str, Any], name: str) -> list[str]:
    found = [str(v).strip()[:_MAX_LENGTH] for v in form.getlist(name)[:_MAX_VALUES] if isinstance(v, str)]
    return list(dict.fromkeys(v for v in found if v))


def _chosen(form: ImmutableMultiDict[str, Any]) -> dict[str, Any]:
    """The audience the form describes, in the consultation file's shape (not yet checked)."""
    industries = str(form.get("industries") or "")[:2000].replace(",", " ").split()
    audience: dict[str, Any] = {
        "areas": _values(form, "area"), "industries": list(dict.fromkeys(industries))[:_MAX_VALUES],
        "tags": _values(form, "tag"), "org_numbers": _values(form, "org"),
    }
    return {"all": True} if form.get("all") == "yes" else audience


def _draft(request: Request, consultation_id: int) -> Consultation:
    with app_of(request).session() as session:
        consultation = session.get(Consultation, consultation_id)
    if consultation is None:
        raise Refusal(404, "not_found")
    if consultation.status != "draft":
        raise Refusal(409, texts(request)["only_draft"])
    return consultation


def _page(
    request: Request, staff: Staff, consultation: Consultation, audience: dict[str, Any], *, query: str = "",
    status: int = 200, errors: dict[str, str] | None = None,
) -> Response:
    app = app_of(request)
    with app.engine.connect() as conn:
        count = audience_picker.count_audience(conn, audience, app.channels)
        found = directory.search_businesses(conn, directory.BusinessFilter(text=query), limit=_SEARCH_LIMIT) if query.strip() else []
        named = audience_picker.named(conn, audience.get("org_numbers") or [])
        choices = {"areas": directory.areas(conn), "tags": audience_picker.tags(conn)}
    picked = {org for org, _ in named}
    return render(
        request, "audience.html", texts(request)["audience_title"], staff, status=status, consultation=consultation,
        audience=audience, count=count, choices=choices, named=named, query=query, errors=errors or {},
        found=[(b.org_number, b.name) for b in found if b.org_number not in picked], no_channel=NO_CHANNEL,
    )


@router.get("/consultations/{consultation_id}/audience", response_class=HTMLResponse)
def audience_form(request: Request, staff: Official, consultation_id: int) -> Response:
    consultation = _draft(request, consultation_id)
    return _page(request, staff, consultation, dict(consultation.audience))


@router.post("/consultations/{consultation_id}/audience", response_class=HTMLResponse)
async def audience_submit(request: Request, staff: OfficialForm, consultation_id: int) -> Response:
    """"count" and "search" show the form again with the count; "save" checks and keeps the audience."""
    form: FormData = await request.form()
    consultation = _draft(request, consultation_id)
    audience = _chosen(form)
    query = str(form.get("q") or "")[:_MAX_LENGTH]
    if form.get("do") != "save":
        return _page(request, staff, consultation, audience, query=query)
    t = texts(request)
    try:
        audience = audience_picker.checked(audience)
    except audience_picker.AudienceProblem as problem:
        field = {"industries": "industries", "org_numbers": "org"}.get(problem.field, "audience")
        message = t["audience_empty"] if field == "audience" and "empty" in str(problem) else str(problem)
        return _page(request, staff, consultation, audience, query=query, status=422, errors={field: message})
    app = app_of(request)
    with app.session() as session:
        try:
            audience_picker.save_audience(session, consultation_id, audience, now=app.clock(), actor=staff.actor)
        except ConsultationError:
            raise Refusal(409, t["only_draft"]) from None
        session.commit()
    return see_other(f"/admin/consultations/{consultation_id}?done=audience")


@router.get("/consultations/{consultation_id}/audience/count", response_class=HTMLResponse)
def audience_count(request: Request, staff: Official, consultation_id: int) -> Response:
    """Only the count, for the form's script: the same fields as the form, in the query string."""
    _draft(request, consultation_id)
    app = app_of(request)
    with app.engine.connect() as conn:
        count = audience_picker.count_audience(conn, _chosen(request.query_params), app.channels)
    return render(request, "audience_count.html", "", staff, count=count, no_channel=NO_CHANNEL)
