"""Recognising typed command words, in Swedish and English.

A text is a command only when it is exactly a command word (with an optional leading "/", any case,
stray punctuation at the ends), so "stopp" stops but "stoppa bygget!" is an answer. Only "change"
takes an argument: "ändra 3", "change affected".
"""

from __future__ import annotations

from typing import Final

from conversations.answers import fold
from conversations.messages import CommandIn, CommandName

# Words are listed as typed; they are folded (lower case, no accents) when the table is built, so
# "Hjälp", "hjalp" and "/HJÄLP" all match. "ändra" folds to "andra" (Swedish for "other"), so it is
# only a command with an argument or on its own — never inside a longer answer.
COMMAND_WORDS: Final[dict[CommandName, tuple[str, ...]]] = {
    "help": ("hjälp", "help", "?", "hjälp mig", "vad kan jag skriva"),
    "skip": ("hoppa över", "hoppa", "skippa", "skip", "pass"),
    "back": ("tillbaka", "bakåt", "back", "go back", "previous"),
    "change": ("ändra", "change", "edit"),
    "done": ("klar", "färdig", "done", "finished"),
    "submit": ("skicka", "skicka in", "submit", "send"),
    "stop": ("stopp", "stop", "unsubscribe", "avregistrera"),
    "decline": (
        "berör oss inte",
        "berör inte oss",
        "påverkar oss inte",
        "avböj",
        "not affected",
        "doesn't affect us",
        "does not affect us",
        "decline",
    ),
    "resume": ("fortsätt", "continue", "resume", "start", "starta"),
}

# "What do you keep about me?" (GDPR art. 15). Not a dialogue command: the engine knows one dialogue,
# not everything stored about a person, so the chat inbox answers it (bot/services/access.py) without
# touching the dialogue. Matched like the commands: the whole message, any case, no accents needed.
ACCESS_WORDS: Final[tuple[str, ...]] = (
    "mina uppgifter",
    "mina data",
    "vad har ni sparat",
    "my data",
    "my details",
    "what do you store",
)

# "?" folds to "" (punctuation is stripped), so it is matched before folding; "" is never a command.
_LOOKUP: Final[dict[str, CommandName]] = {
    fold(word): name for name, words in COMMAND_WORDS.items() for word in words if fold(word)
}
_ACCESS: Final[frozenset[str]] = frozenset(fold(word) for word in ACCESS_WORDS)
_CHANGE_WORDS: Final[frozenset[str]] = frozenset(fold(w) for w in COMMAND_WORDS["change"])


def parse_command(text: str) -> CommandIn | None:
    """The command that `text` is, or None when it is an answer."""
    stripped = text.strip()
    if stripped == "?":
        return CommandIn("help")
    word = fold(stripped.removeprefix("/"))
    # Chat platforms send "/help@SamradBot" in groups.
    word = word.split("@", 1)[0] if stripped.startswith("/") else word
    name = _LOOKUP.get(word)
    if name is not None:
        return CommandIn(name)
    # "ändra 3", "change staff": one word after the command. "ändra inte tiderna" is an answer.
    head, _, argument = word.partition(" ")
    if head in _CHANGE_WORDS and argument and " " not in argument:
        return CommandIn("change", argument)
    return None


def is_access_request(text: str) -> bool:
    """Whether `text` asks what is stored about the person ("mina uppgifter", "/my data")."""
    stripped = text.strip()
    word = fold(stripped.removeprefix("/"))
    word = word.split("@", 1)[0] if stripped.startswith("/") else word
    return word in _ACCESS
