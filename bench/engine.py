"""How many dialogue steps per second the pure engine runs on one core.

    .venv/bin/python bench/engine.py [--dialogues N]

Every step goes through DialogueState.to_json/from_json, as the service does when it stores the state
between two messages. Target: at least 20,000 steps/s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from conversations.engine import DialogueState, begin, step
from conversations.messages import ChoiceIn, CommandIn, Inbound, TextIn, ToggleIn
from conversations.questionnaire import Questionnaire

QUESTIONNAIRE = Questionnaire.model_validate(
    {
        "title": {"sv": "Trafiken under byggtiden", "en": "Traffic during construction"},
        "intro": "Mörby centrum byggs om.",
        "questions": [
            {"id": "affected", "kind": "yesno", "text": "Påverkas ert företag?"},
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
                "options": [
                    {"id": "deliveries", "text": {"sv": "Leveranser", "en": "Deliveries"}},
                    {"id": "parking", "text": {"sv": "Parkering", "en": "Parking"}},
                    {"id": "noise", "text": {"sv": "Buller", "en": "Noise"}},
                ],
            },
            {
                "id": "spaces",
                "kind": "number",
                "text": "Antal platser?",
                "min": 0,
                "when": {"concerns": "parking"},
            },
            {
                "id": "best_time",
                "kind": "choice",
                "text": "När stör arbetet minst?",
                "options": [{"id": "morning", "text": "Morgon"}, {"id": "evening", "text": "Kväll"}],
            },
            {"id": "staff", "kind": "number", "text": "Hur många anställda?", "min": 0},
            {"id": "start", "kind": "date", "text": "Från vilket datum?"},
            {"id": "comments", "kind": "text", "text": "Något mer?", "required": False},
        ],
    }
)

# Dialogues as people have them: straight through, with mistakes, buttons, going back and changing.
SCRIPTS: list[list[Inbound]] = [
    [
        TextIn(t)
        for t in ["ja", "4", "trafik", "1, 2", "3", "kväll", "1 200", "15 mars", "Mer parkering", "ja"]
    ],
    [
        TextIn(t)
        for t in ["nej", "leveranser", "morgon", "kanske", "5", "15/4", "hoppa över", "ändra 1", "nej", "ja"]
    ],
    [
        ChoiceIn("affected", ("yes",)),
        ChoiceIn("impact", ("2",)),
        ToggleIn("concerns", "parking"),
        ToggleIn("concerns", "noise"),
        CommandIn("done"),
        ChoiceIn("spaces", ("4",)),
        ChoiceIn("best_time", ("evening",)),
        TextIn("tillbaka"),
        TextIn("fortsätt"),
        ChoiceIn("staff", ("12",)),
        ChoiceIn("start", ("2025-05-01",)),
        CommandIn("skip"),
        ChoiceIn("_submit", ("yes",)),
    ],
    [
        TextIn(t)
        for t in [
            "Ja!",
            "9",
            "5",
            "buller",
            "1 3",
            "kvall",
            "-1",
            "7",
            "31/2",
            "march 15",
            "stopp",
            "nej",
            "Tack",
            "ändra 4",
            "2",
            "3",
            "skicka",
        ]
    ],
]
NOW = dt.datetime(2025, 3, 10, 9, 30, tzinfo=dt.UTC)


def run(dialogues: int) -> tuple[int, float]:
    steps = 0
    started = time.perf_counter()
    for n in range(dialogues):
        script = SCRIPTS[n % len(SCRIPTS)]
        stored = begin(QUESTIONNAIRE, language="sv" if n % 3 else "en", now=NOW).state.to_json()
        for inbound in script:
            result = step(QUESTIONNAIRE, DialogueState.from_json(stored), inbound, now=NOW)
            stored = result.state.to_json()
        assert stored["phase"] == "submitted", stored
        steps += len(script) + 1  # begin counts as a step
    return steps, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dialogues", type=int, default=5000)
    args = parser.parse_args()
    run(50)  # warm the per-questionnaire caches
    steps, seconds = run(args.dialogues)
    print(f"{steps} dialogue steps in {seconds:.2f} s: {steps / seconds:,.0f} steps/s on one core")


if __name__ == "__main__":
    main()
