"""Mutation testing of the core and the delivery rules, one module at a time (`make mutation`).

Each module is mutated by mutmut and every mutant is run against that module's mirrored tests only
(tests/conversations for conversations/, the module's own test file for the delivery rules). mutmut
reads its settings from the working directory, so each module gets a scratch directory of its own
under build/mutation/<module>/ (links to the sources and the tests, and a setup.cfg naming the module
and its tests); its `mutants/` folder stays there for `mutmut results` / `mutmut show`.

    python scripts/mutation.py                  # every module
    python scripts/mutation.py conditions plan  # only these (matched on the module's file name)

One worker (`--max-children 1`), one module after the other: this runs by hand, not in CI, on a
shared machine. Prints each module's score and its surviving mutants, then a table of the scores.
See docs/testing.md.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "build" / "mutation"
MUTMUT = Path(sys.executable).parent / "mutmut"
LINKED = ("conversations", "bot", "adapters", "storage", "tests", "pyproject.toml")


@dataclass(frozen=True)
class Target:
    source: str  # the module, relative to the repository
    tests: str  # the tests its mutants are run against


CORE = ("answers", "conditions", "transitions", "engine", "command_steps", "plan")


def targets() -> list[Target]:
    found = [Target(f"conversations/{name}.py", "tests/conversations") for name in CORE]
    for name in ("rate_limit", "quiet_hours"):
        found.append(Target(f"bot/delivery/{name}.py", f"tests/bot/delivery/test_{name}.py"))
    return found


def _prepare(target: Target) -> Path:
    work = WORK / Path(target.source).stem
    shutil.rmtree(work, ignore_errors=True)  # a fresh run: no verdicts cached from older code or tests
    work.mkdir(parents=True)
    for name in LINKED:
        (work / name).symlink_to(ROOT / name)
    package = target.source.split("/")[0]
    (work / "setup.cfg").write_text(
        "[mutmut]\n"
        f"source_paths = {package}\n"
        f"only_mutate = {target.source}\n"
        f"pytest_add_cli_args_test_selection = {target.tests}\n"
        # Files the tests read besides the code (the demo consultation, the dialogue model's templates):
        # mutmut copies the Python sources into its own tree, and these must be there too.
        "also_copy =\n    bot/cli/demo_data\n    conversations/templates\n    tests/conversations/data\n"
        "use_git_change_detection = false\n",
        encoding="utf-8",
    )
    return work


def _mutmut(work: Path, *args: str, capture: bool = False) -> str:
    done = subprocess.run(
        [str(MUTMUT), *args], cwd=work, check=True, text=True,
        stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
    )
    return done.stdout or ""


def run(target: Target) -> tuple[int, int]:
    """(killed, tested) for one module, with its survivors printed."""
    print(f"== {target.source} against {target.tests}", flush=True)
    work = _prepare(target)
    _mutmut(work, "run", "--max-children", "1")
    _mutmut(work, "export-cicd-stats")
    stats = json.loads((work / "mutants" / "mutmut-cicd-stats.json").read_text(encoding="utf-8"))
    killed = int(stats["killed"]) + int(stats["timeout"])
    tested = int(stats["total"]) - int(stats["skipped"])
    survivors = [
        line.strip() for line in _mutmut(work, "results", capture=True).splitlines() if line.strip()
    ]
    for line in survivors:
        print(f"   {line}")
    print(f"   {killed}/{tested} killed ({_percent(killed, tested)}); "
          f"`cd {work.relative_to(ROOT)} && mutmut show NAME` shows a mutant", flush=True)
    return killed, tested


def _percent(killed: int, tested: int) -> str:
    return f"{100 * killed / tested:.0f} %" if tested else "n/a"


def main(wanted: list[str]) -> int:
    if not MUTMUT.exists():
        sys.exit(f"{MUTMUT} is missing: install the dev extras (make .venv/.installed-stamp)")
    chosen = [t for t in targets() if not wanted or Path(t.source).stem in wanted]
    if not chosen:
        sys.exit(f"no module among {[Path(t.source).stem for t in targets()]} matches {wanted}")
    scores = [(target, run(target)) for target in chosen]
    print("\nmutation score (killed / tested)")
    for target, (killed, tested) in scores:
        print(f"  {target.source:36} {killed:4}/{tested:<4} {_percent(killed, tested):>6}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
