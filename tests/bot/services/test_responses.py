"""One definition of a response's status: every figure an official sees counts the same thing."""

from __future__ import annotations

import csv
import io

import httpx

from bot.bootstrap import App
from bot.links import opt_out_url
from bot.services import consultations, export
from bot.services.broadcast import broadcast
from bot.services.responses import response_statuses, response_summary
from tests.bot.services.outreach_support import town
from tests.live_server import LiveServer


def test_an_opt_out_by_the_e_mail_link_counts_alike_in_show_the_export_and_the_broadcast(
    app: App, web: LiveServer
) -> None:
    t = town(app)
    assert httpx.post(opt_out_url(web.url, app.secret_key, t.email, now=app.clock())).status_code == 200

    with app.session() as session:
        (stats,) = consultations.consultation_stats(session, t.consultation_id)
        rows = list(csv.DictReader(io.StringIO(export.export_csv(session, t.consultation_id))))
    with app.engine.connect() as conn:
        statuses = response_statuses(conn, t.consultation_id)
        summary = response_summary(conn, t.consultation_id)
    report = broadcast(app, t.consultation_id, actor="test")

    assert stats.opted_out == 1
    assert [row["contact_name"] for row in rows if row["status"] == "opted_out"] == ["Bo Ek"]
    assert statuses[t.email] == "opted_out" and summary.count("opted_out") == 1
    assert report.skipped["opted_out"] == 1
    assert (stats.audience, summary.invited, len(rows)) == (4, 4, 4)


def test_every_invited_contact_has_exactly_one_status(app: App) -> None:
    t = town(app)
    with app.engine.connect() as conn:
        summary = response_summary(conn, t.consultation_id)
    assert summary.statuses == {"invited": 4}
    assert sum(summary.statuses.values()) == summary.invited
