"""One contact's dialogue as the engine sees it, and what one step returns.

`DialogueState` is stored as JSON between steps; `Step` is what `conversations.engine.step` returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from conversations.messages import AnswerValue, Language, Outbound

Phase = Literal["asking", "confirm_stop", "summary", "submitted", "declined", "opted_out", "closed"]
# The status of one contact's response, as exported (README, "Answer export"), seen from the dialogue alone.
ResponseStatus = Literal["invited", "partial", "complete", "declined", "opted_out"]
# "reopened": a submitted, declined or opted-out dialogue was taken up again by the contact.
Outcome = Literal["submitted", "declined", "opted_out", "reopened"]


@dataclass(frozen=True, slots=True)
class DialogueState:
    """Everything the engine needs to continue one contact's dialogue about one consultation.

    Stored as JSON (`to_json` / `from_json`) between steps, so a contact who comes back days later
    continues where they left off.
    """

    language: Language
    phase: Phase = "asking"
    current: str | None = None  # id of the question being asked (phase "asking")
    answers: dict[str, AnswerValue] = field(default_factory=dict)
    skipped: tuple[str, ...] = ()  # optional questions the contact chose to skip
    path: tuple[str, ...] = ()  # questions asked so far, in questionnaire order: what "back" walks
    pending: tuple[str, ...] = ()  # multi-choice selection being built with ToggleIn
    editing: bool = False  # changing one answer from the summary: return there afterwards
    resume_phase: Phase | None = None  # where to return when a stop is not confirmed
    started_at: str | None = None  # ISO 8601
    updated_at: str | None = None
    submitted_at: str | None = None
    # Answered on a form (the web page) rather than in a chat: a few sentences then speak of buttons
    # instead of words to type. See conversations.wording.
    form: bool = False
    # The version of the personal-data notice the dialogue opened with (conversations.phrases.NOTICE_VERSION):
    # what the person was told, kept with their dialogue.
    notice_version: str | None = None
    # When and on which channel the notice was shown (stored with the dialogue's first step; the engine
    # reads no clock of its own, so the service fills these in).
    notice_shown_at: str | None = None  # ISO 8601
    notice_channel: str | None = None
    # An anonymous consultation (`anonymous: true`): the notice says so, and a submitted response is final,
    # since its answers are moved away from the person (bot/services/anonymous.py) and cannot be changed.
    anonymous: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "phase": self.phase,
            "current": self.current,
            "answers": {k: list(v) if isinstance(v, list) else v for k, v in self.answers.items()},
            "skipped": list(self.skipped),
            "path": list(self.path),
            "pending": list(self.pending),
            "editing": self.editing,
            "resume_phase": self.resume_phase,
            "started_at": self.started_at,
            "updated_at": self.updated_at,
            "submitted_at": self.submitted_at,
            "form": self.form,
            "notice_version": self.notice_version,
            "notice_shown_at": self.notice_shown_at,
            "notice_channel": self.notice_channel,
            "anonymous": self.anonymous,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DialogueState:
        answers = data.get("answers") or {}
        return cls(
            language=data["language"],
            phase=data.get("phase", "asking"),
            current=data.get("current"),
            answers={k: list(v) if isinstance(v, list) else v for k, v in answers.items()},
            skipped=tuple(data.get("skipped", ())),
            path=tuple(data.get("path", ())),
            pending=tuple(data.get("pending", ())),
            editing=bool(data.get("editing", False)),
            resume_phase=data.get("resume_phase"),
            started_at=data.get("started_at"),
            updated_at=data.get("updated_at"),
            submitted_at=data.get("submitted_at"),
            form=bool(data.get("form", False)),
            notice_version=data.get("notice_version"),
            notice_shown_at=data.get("notice_shown_at"),
            notice_channel=data.get("notice_channel"),
            anonymous=bool(data.get("anonymous", False)),
        )

    @property
    def status(self) -> ResponseStatus:
        # A submitted response stays "complete" if the contact later stops messages: the
        # municipality still has every answer they sent.
        if self.phase == "declined":
            return "declined"
        if self.submitted_at is not None:
            return "complete"
        if self.phase == "opted_out":
            return "opted_out"
        return "partial" if self.answers else "invited"


@dataclass(frozen=True, slots=True)
class AnswerChange:
    """An answer to record (`value`) or to remove (`value is None`: skipped, or no longer applies)."""

    question_id: str
    value: AnswerValue | None


@dataclass(frozen=True, slots=True)
class Step:
    state: DialogueState
    messages: tuple[Outbound, ...]
    changes: tuple[AnswerChange, ...] = ()
    outcome: Outcome | None = None
    # The question (or the engine's own prompt: submit, confirm stop) the dialogue waited for when the
    # inbound came, and whether the step left it behind: answered, skipped or abandoned (back, stop,
    # decline), and not asked again in `messages`. A chat channel then takes the controls off that
    # question's message; a question still awaited, or asked again, keeps them.
    awaited: str | None = None
    left: str | None = None
