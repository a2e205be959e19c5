"""The engine and the questionnaire are split into small modules; callers keep importing from the two
public entry points, and must get the very same objects as the modules that define them."""

from __future__ import annotations

from conversations import (
    engine,
    problems,
    prompts,
    question,
    question_checks,
    questionnaire,
    state,
    yaml_errors,
)


def test_engine_re_exports_the_dialogue_types() -> None:
    for name in ("DialogueState", "AnswerChange", "Step"):
        assert getattr(engine, name) is getattr(state, name)
    assert (engine.SUBMIT_ID, engine.STOP_ID) == (prompts.SUBMIT_ID, prompts.STOP_ID)
    for name in ("begin", "step", "current_prompt", "Phase", "ResponseStatus", "Outcome"):
        assert hasattr(engine, name)
    assert all(hasattr(engine, name) for name in engine.__all__)


def test_questionnaire_re_exports_the_vocabulary() -> None:
    assert all(hasattr(questionnaire, name) for name in questionnaire.__all__)
    assert questionnaire.Question is question.Question
    assert questionnaire.QuestionnaireError is problems.QuestionnaireError
    assert questionnaire.check_questions is question_checks.check_questions
    assert questionnaire.validate_yaml is yaml_errors.validate_yaml
    assert questionnaire.parse_yaml is yaml_errors.parse_yaml
