"""Businesses and contacts: list and search, import the CSV, a contact's page, erasing a contact."""

from __future__ import annotations

from fastapi import APIRouter, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from bot.services import business_file, businesses, contacts, directory, teams_webhooks
from bot.services.audit import record, record_row
from bot.web.admin.access import Official, OfficialForm, Refusal, Staff, app_of
from bot.web.admin.pages import language, render, see_other, texts
from bot.web.admin.paging import PAGE_SIZE, fetched_page, grouped, page_number
from bot.web.admin.uploads import read_upload

router = APIRouter()


@router.get("/businesses", response_class=HTMLResponse)
def business_list(
    request: Request, staff: Official, q: str = "", area: str = "", industry: str = "", tag: str = "", page: str = ""
) -> Response:
    """The businesses the search and filters take, a page at a time (`page`, clamped): a municipality's
    directory has thousands, and each page reads only its own from the database."""
    wanted = directory.BusinessFilter(text=q[:200], area=area[:100], industry=industry[:10], tag=tag[:100])
    app = app_of(request)
    with app.engine.begin() as conn:
        total = directory.count_businesses(conn, wanted)
        number = page_number(page, total)
        found = directory.search_businesses(conn, wanted, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
        areas = directory.areas(conn)
        # The list names contacts and their addresses' state: a view of personal data, recorded, with
        # the page when it is not the first, since that says whose.
        viewed: dict[str, object] = {k: v for k, v in vars(wanted).items() if v}
        if number > 1:
            viewed["page"] = number
        record_row(conn, actor=staff.actor, action="contact.list", target="businesses", now=app.clock(), detail=viewed)
    kept = {"q": wanted.text, "area": wanted.area, "industry": wanted.industry, "tag": wanted.tag}
    shown = fetched_page(
        found, number, total, path="/admin/businesses", query={k: v for k, v in kept.items() if v},
        anchor="businesses-caption",
    )
    lang = language(request)
    return render(
        request, "businesses.html", texts(request)["businesses"], staff, businesses=shown, wanted=wanted, areas=areas,
        grouped=lambda count: grouped(count, lang),
    )


def _import_page(request: Request, staff: Staff, *, status: int = 200, **context: object) -> Response:
    return render(request, "import.html", texts(request)["import_businesses"], staff, status=status, **context)


@router.get("/businesses/import", response_class=HTMLResponse)
def import_form(request: Request, staff: Official) -> Response:
    return _import_page(request, staff, problems=[])


@router.post("/businesses/import", response_class=HTMLResponse)
async def import_file(request: Request, staff: OfficialForm, file: UploadFile | None = None) -> Response:
    t = texts(request)
    if file is None or not file.filename:
        return _import_page(request, staff, status=422, problems=[texts(request)["no_file"]])
    text = await read_upload(file)
    if text is None:
        return _import_page(request, staff, status=422, problems=[t["not_utf8"]])
    app = app_of(request)
    try:
        rows = business_file.parse_businesses_csv(text, teams_hosts=app.settings.teams_webhook_hosts)
    except business_file.BusinessFileError as error:
        # Every line and column at fault, as the CLI reports them; nothing was imported.
        return _import_page(request, staff, status=422, problems=error.problems)

    def store() -> businesses.ImportResult:
        with app.session() as session:
            result = businesses.import_businesses(session, rows, now=app.clock())
            record(
                session, actor=staff.actor, action="business.import", target=f"file:{file.filename or ''}",
                detail={"businesses_created": result.businesses_created, "businesses_updated": result.businesses_updated,
                        "contacts_created": result.contacts_created, "contacts_updated": result.contacts_updated},
                now=app.clock(),
            )
            session.commit()
        return result

    result = await run_in_threadpool(store)
    done = t["imported"].format(
        created=result.businesses_created, updated=result.businesses_updated,
        c_created=result.contacts_created, c_updated=result.contacts_updated,
    )
    return _import_page(request, staff, problems=[], done=done)


@router.get("/contacts/{contact_id}", response_class=HTMLResponse)
def contact_page(request: Request, staff: Official, contact_id: int, done: str = "") -> Response:
    """A person's details: a view of personal data, recorded in the audit log."""
    app = app_of(request)
    with app.engine.begin() as conn:
        contact = directory.contact_detail(conn, contact_id)
        if contact is None:
            raise Refusal(404, "not_found")
        record_row(conn, actor=staff.actor, action="contact.view", target=f"contact:{contact_id}", now=app.clock())
    t = texts(request)
    return render(
        request, "contact.html", contact.name or t["contact_heading"], staff, contact=contact,
        webhook_broken=teams_webhooks.is_broken_webhook(contact.unreachable_reason),
        notice=t["erased"] if done == "erased" else None,
    )


@router.get("/contacts/{contact_id}/erase", response_class=HTMLResponse)
def erase_form(request: Request, staff: Official, contact_id: int) -> Response:
    with app_of(request).engine.connect() as conn:
        contact = directory.contact_detail(conn, contact_id)
    if contact is None:
        raise Refusal(404, "not_found")
    return render(request, "erase.html", texts(request)["erase_title"], staff, contact=contact)


@router.post("/contacts/{contact_id}/erase")
def erase(request: Request, staff: OfficialForm, contact_id: int) -> Response:
    app = app_of(request)
    with app.session() as session:
        if directory.contact_detail(session.connection(), contact_id) is None:
            raise Refusal(404, "not_found")
        try:
            contacts.erase_contact(session, contact_id, now=app.clock(), actor=staff.actor)
        except contacts.ContactError as error:  # already erased
            return render(request, "refused.html", texts(request)["error_title"], staff, status=409, text=str(error),
                          back=f"/admin/contacts/{contact_id}")
        session.commit()
    return see_other(f"/admin/contacts/{contact_id}?done=erased")
