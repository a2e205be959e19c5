"""Choosing the sentence for the way a person answers: typing in a chat, or tapping on a form.

Most sentences suit both. A few tell a chat user what to type ("skriv ändra"); on the web page there is
a button for that instead, so those have a `<key>_form` variant in PHRASES that is used when the
dialogue runs on a form. An anonymous consultation says a few things differently (what is kept, and that a
sent response is final): those have a `<key>_anonymous` variant (and its own `_form` variant).
"""

from __future__ import annotations

from conversations.phrases import PHRASES, phrase
from conversations.state import DialogueState


def say(key: str, state: DialogueState, **params: object) -> str:
    """The sentence `key` in the dialogue's language, in its anonymous and form variants where it has them."""
    if state.anonymous and f"{key}_anonymous" in PHRASES:
        key = f"{key}_anonymous"
    if state.form and f"{key}_form" in PHRASES:
        key = f"{key}_form"
    return phrase(key, state.language, **params)
