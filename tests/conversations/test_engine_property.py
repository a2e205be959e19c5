"""Whatever a contact sends, the engine never raises and never loses an answer it was given."""

from __future__ import annotations

import datetime as dt
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conversations.engine import DialogueState, begin, current_prompt, step
from conversations.messages import COMMAND_NAMES, AnswerValue, ChoiceIn, CommandIn, Inbound, TextIn, ToggleIn
from conversations.questionnaire import Questionnaire

NOW = dt.datetime(2025, 3, 10, 9, 30, tzinfo=dt.UTC)

QUESTIONNAIRE = Questionnaire.model_validate(
    {
        "title": "Gatuarbeten",
        "questions": [
            {"id": "affected", "kind": "yesno", "text": "Påverkas ni?"},
            {"id": "impact", "kind": "scale", "text": "Hur mycket?", "when": {"affected": True}},
            {
                "id": "worst",
                "kind": "choice",
                "text": "Vad är värst?",
                "when": {"impact": {"gte": 4}},
                "options": [{"id": "traffic", "text": "Trafik"}, {"id": "noise", "text": "Buller"}],
            },
            {
                "id": "concerns",
                "kind": "multi",
                "text": "Vad oroar er?",
                "required": False,
                "options": [
                    {"id": "deliveries", "text": "Leveranser"},
                    {"id": "parking", "text": "Parkering"},
                ],
            },
            {
                "id": "spaces",
                "kind": "number",
                "text": "Antal platser?",
                "min": 0,
                "when": {"concerns": "parking"},
            },
            {"id": "start", "kind": "date", "text": "Från när?", "when": {"worst": ["traffic", "noise"]}},
            {"id": "comments", "kind": "text", "text": "Något mer?", "required": False, "max_length": 30},
        ],
    }
)
IDS = [q.id for q in QUESTIONNAIRE.questions] + ["_submit", "_stop", "nope"]
WORDS = [
    "ja",
    "nej",
    "1",
    "2",
    "4",
    "5",
    "1, 2",
    "parkering",
    "trafik",
    "12",
    "-1",
    "15 mars",
    "31/2",
    "",
    "x" * 40,
    "hej",
    "hjälp",
    "hoppa över",
    "tillbaka",
    "ändra 1",
    "ändra 3",
    "ändra",
    "stopp",
    "klar",
    "skicka",
    "berör oss inte",
    "fortsätt",
    "yes",
    "no",
]

inbounds: st.SearchStrategy[Inbound] = st.one_of(
    st.builds(TextIn, st.sampled_from(WORDS)),
    st.builds(TextIn, st.text(max_size=12)),
    st.builds(
        ChoiceIn,
        st.sampled_from(IDS),
        st.lists(st.sampled_from(["yes", "no", "parking", "traffic", "3", "x"]), max_size=2).map(tuple),
    ),
    st.builds(ToggleIn, st.sampled_from(IDS), st.sampled_from(["deliveries", "parking", "ghost"])),
    st.builds(CommandIn, st.sampled_from(COMMAND_NAMES), st.sampled_from(["", "1", "2", "impact", "99"])),
)


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["sv", "en"]), st.lists(inbounds, max_size=40))
def test_random_inbound_never_raises_or_loses_an_answer(language: str, events: list[Inbound]) -> None:
    result = begin(QUESTIONNAIRE, language="sv" if language == "sv" else "en", now=NOW)
    recorded: dict[str, AnswerValue] = {}
    for event in events:
        before = result.state
        data = json.loads(json.dumps(before.to_json()))
        result = step(QUESTIONNAIRE, DialogueState.from_json(data), event, now=NOW)
        assert result.messages, event
        changed = {c.question_id for c in result.changes}
        for question_id, value in before.answers.items():
            # An answer only goes away or changes through a change reported in this step.
            assert question_id in changed or result.state.answers.get(question_id) == value
        for change in result.changes:
            if change.value is None:
                recorded.pop(change.question_id, None)
            else:
                recorded[change.question_id] = change.value
        assert recorded == result.state.answers
        assert DialogueState.from_json(result.state.to_json()) == result.state
        assert current_prompt(QUESTIONNAIRE, result.state)
