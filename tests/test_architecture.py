"""The one-way import rule (ARCHITECTURE.md): the conversational core loads no SDK, framework or database."""

from __future__ import annotations

import ast
import json
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
FORBIDDEN_IN_CORE = (
    "telegram",
    "slack_bolt",
    "slack_sdk",
    "fastapi",
    "starlette",
    "sqlmodel",
    "sqlalchemy",
    "alembic",
    "apscheduler",
    "httpx",
    "aiohttp",
    "uvicorn",
    "adapters",
    "storage",
    "bot",
)


def test_importing_the_core_loads_no_framework_sdk_or_database() -> None:
    probe = (
        "import json, sys, pkgutil, importlib, conversations\n"
        "for m in pkgutil.walk_packages(conversations.__path__, 'conversations.'):\n"
        "    importlib.import_module(m.name)\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded = json.loads(result.stdout)
    leaks = sorted(m for m in loaded if m.split(".")[0] in FORBIDDEN_IN_CORE)
    assert leaks == [], f"conversations/ pulled in {leaks}"


def _imported_top_levels(package: str) -> set[str]:
    names: set[str] = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return names


def test_adapters_and_storage_never_import_each_other_or_the_application() -> None:
    assert not _imported_top_levels("adapters") & {"storage", "bot"}
    assert not _imported_top_levels("storage") & {"adapters", "bot", "conversations"}


def test_channel_sdks_are_imported_only_by_adapters() -> None:
    sdks = {"telegram", "slack_bolt", "slack_sdk"}
    for package in ("conversations", "storage", "bot"):
        assert not _imported_top_levels(package) & sdks, package
