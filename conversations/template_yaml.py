"""A ready consultation file from the dialogue model's template for a case type and stage, as YAML for
an official to edit and then load (`samrad consultation template`, the officials' pages)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from conversations.consultation_file import AudienceSpec, ConsultationFile
from conversations.questionnaire import LocalText


def render_template_yaml(
    case_type_id: str,
    stage_id: str,
    *,
    reference: str,
    case_title: str | LocalText,
    closes: dt.datetime | None = None,
    audience: AudienceSpec | Mapping[str, Any] | None = None,
    reminders: Sequence[dt.timedelta] | None = None,
    title: str | LocalText | None = None,
    intro: str | LocalText | None = None,
    opens: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> str:
    """A complete consultation YAML from the template, for an official to edit and then load.

    It is a starting point, so `closes` and `audience` may be left out: the consultation then closes at
    17:00 three weeks after `now` (an aware time in the municipality's zone, passed in like every clock
    in the core) and invites every business (`{all: true}`). The file's header asks the official to check
    both before loading it.
    """
    if closes is None:
        if now is None or now.tzinfo is None:
            raise ValueError("without `closes`, pass `now` (an aware time) to count the closing time from")
        closes = (now + dt.timedelta(days=21)).replace(hour=17, minute=0, second=0, microsecond=0)
    file = ConsultationFile.from_template(
        case_type_id,
        stage_id,
        reference=reference,
        case_title=case_title,
        closes=closes,
        audience={"all": True} if audience is None else audience,
        reminders=reminders,
        title=title,
        intro=intro,
        opens=opens,
    )
    return file.to_yaml()
