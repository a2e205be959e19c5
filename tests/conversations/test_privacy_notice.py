"""The dialogue's personal-data notice links to the privacy page when the caller passes its address (the
core gets it as data; settings are read in bot/), and the dialogue keeps which notice it showed."""

from __future__ import annotations

from dataclasses import replace

from conversations.engine import DialogueState, begin, step
from conversations.messages import TextIn, TextOut
from conversations.phrases import ANONYMOUS_NOTICE_VERSION, NOTICE_VERSION, phrase
from tests.conversations.test_engine import CAFE, CAFE_ANSWERS, NOW


def _notice(step_messages: tuple[object, ...]) -> str:
    [notice] = [m for m in step_messages if isinstance(m, TextOut) and m.style == "notice"]
    return notice.text


def test_the_notice_ends_with_the_privacy_link_in_the_dialogue_s_language() -> None:
    sv = begin(CAFE, language="sv", now=NOW, privacy_url="https://samrad.kommun.se/integritet")
    en = begin(CAFE, language="en", now=NOW, privacy_url="https://samrad.kommun.se/integritet?lang=en")
    assert _notice(sv.messages) == (
        phrase("notice", "sv") + " Så hanterar vi dina uppgifter: https://samrad.kommun.se/integritet"
    )
    assert _notice(en.messages).endswith(" How we handle your data: https://samrad.kommun.se/integritet?lang=en")
    form = begin(CAFE, language="sv", now=NOW, form=True, privacy_url="https://x.se/integritet")
    assert _notice(form.messages) == phrase("notice_form", "sv") + " Så hanterar vi dina uppgifter: https://x.se/integritet"


def test_without_an_address_the_notice_has_no_link() -> None:
    assert _notice(begin(CAFE, language="sv", now=NOW).messages) == phrase("notice", "sv")


def test_the_state_keeps_the_notice_version_through_json() -> None:
    state = begin(CAFE, language="sv", now=NOW).state
    assert state.notice_version == NOTICE_VERSION
    assert DialogueState.from_json(state.to_json()).notice_version == NOTICE_VERSION
    assert DialogueState.from_json({"language": "sv"}).notice_version is None  # dialogues stored before it


def test_my_data_typed_outside_a_chat_is_never_taken_for_an_answer() -> None:
    """The chat inbox answers it before the engine; on the terminal or a form's text field the engine
    says where to ask and waits for the same question."""
    state = begin(CAFE, language="sv", now=NOW).state
    for answer in CAFE_ANSWERS[:-1]:
        state = step(CAFE, state, TextIn(answer), now=NOW).state
    assert state.current == "comments"  # a free-text question: anything typed would be an answer
    result = step(CAFE, state, TextIn("Mina uppgifter"), now=NOW)
    assert result.changes == () and "comments" not in result.state.answers
    assert result.state.current == "comments"
    assert result.messages[0] == TextOut(phrase("my_data_not_here", "sv"), "notice")


def test_an_anonymous_consultation_says_so_instead_of_the_usual_notice() -> None:
    anonymous = CAFE.model_copy(update={"anonymous": True})
    chat = begin(anonymous, language="sv", now=NOW)
    assert _notice(chat.messages) == phrase("notice_anonymous", "sv")
    assert (chat.state.anonymous, chat.state.notice_version) == (True, ANONYMOUS_NOTICE_VERSION)
    form = begin(anonymous, language="en", now=NOW, form=True, privacy_url="https://x.se/integritet?lang=en")
    assert _notice(form.messages) == phrase("notice_anonymous_form", "en") + " How we handle your data: https://x.se/integritet?lang=en"
    assert "anonymous" in phrase("notice_anonymous", "en") and "anonymt" in phrase("notice_anonymous", "sv")
    assert "stopp" in phrase("notice_anonymous", "sv") and "stopp" not in phrase("notice_anonymous_form", "sv")


def test_a_sent_anonymous_response_is_final_but_stop_still_works() -> None:
    anonymous = CAFE.model_copy(update={"anonymous": True})
    state = begin(anonymous, language="sv", now=NOW).state
    for answer in (*CAFE_ANSWERS, "ja"):
        result = step(anonymous, state, TextIn(answer), now=NOW)
        state = result.state
    assert state.phase == "submitted" and result.messages[-1].text == phrase("thanks_submitted_anonymous", "sv")
    for attempt in ("ändra", "ändra 2", "tillbaka", "fortsätt"):
        refused = step(anonymous, state, TextIn(attempt), now=NOW)
        assert refused.state.phase == "submitted" and refused.changes == () and refused.outcome is None, attempt
        assert refused.messages == (TextOut(phrase("after_submitted_anonymous", "sv"), "notice"),), attempt
    asked = step(anonymous, state, TextIn("stopp"), now=NOW)
    stopped = step(anonymous, asked.state, TextIn("ja"), now=NOW)
    assert (stopped.state.phase, stopped.outcome) == ("opted_out", "opted_out")
    # Not anonymous: the same "ändra" opens the response again.
    plain = begin(CAFE, language="sv", now=NOW).state
    for answer in (*CAFE_ANSWERS, "ja"):
        plain = step(CAFE, plain, TextIn(answer), now=NOW).state
    assert step(CAFE, plain, TextIn("ändra 2"), now=NOW).state.phase != "submitted"


def test_the_state_keeps_when_and_where_the_notice_was_shown_through_json() -> None:
    state = replace(begin(CAFE, language="sv", now=NOW).state, notice_shown_at="2025-02-27T08:13:00+00:00",
                    notice_channel="slack")
    again = DialogueState.from_json(state.to_json())
    assert (again.notice_shown_at, again.notice_channel, again.anonymous) == ("2025-02-27T08:13:00+00:00", "slack", False)
    old = DialogueState.from_json({"language": "sv"})
    assert (old.notice_shown_at, old.notice_channel, old.anonymous) == (None, None, False)
