"""The shape of the code (docs/architecture.md): imports point one way, the conversational core loads no
SDK, framework or database, modules do not import each other in circles, and only the channel registry
names a platform's adapter."""

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


def _module_name(path: pathlib.Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: pathlib.Path, *, for_typing_too: bool = False) -> set[str]:
    """Every module `path` imports, at the top or inside a function, except under `if TYPE_CHECKING:` unless
    `for_typing_too`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if not for_typing_too and isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(child) for child in ast.walk(node))
    names: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


PACKAGES = ("conversations", "adapters", "storage", "bot")


def _graph() -> dict[str, set[str]]:
    paths = [path for package in PACKAGES for path in (ROOT / package).rglob("*.py")]
    modules = {_module_name(path): path for path in paths}
    return {name: {m for m in _imports(path) if m in modules and m != name} for name, path in modules.items()}


def test_no_module_imports_one_that_imports_it_back() -> None:
    graph = _graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target):], target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    # A package's __init__ re-exporting a module of its own is not a cycle of two jobs.
    cycles = [c for c in cycles if not all(m == c[0] or m.startswith(c[0] + ".") for m in c)]
    assert cycles == [], " | ".join(" -> ".join(c) for c in cycles)



def test_use_cases_declare_what_they_use_instead_of_naming_the_app() -> None:
    # A use case takes Protocols of its needs (bot/services/needs.py) that bootstrap's App satisfies, so a
    # test or a script can pass a smaller object: not even a type-only import of bootstrap.
    importers = sorted(
        _module_name(path)
        for path in (ROOT / "bot" / "services").rglob("*.py")
        if any(m == "bot.bootstrap" or m.startswith("bot.bootstrap.") for m in _imports(path, for_typing_too=True))
    )
    assert importers == []

# The only places in bot/ that may name a platform's adapter: the registry, and the command line's commands
# for one channel (`samrad telegram set-webhook`, the terminal chat). Everything else goes through
# adapters/base.py's contracts.
MAY_IMPORT_ADAPTERS = {
    "bot.channels", "bot.cli.commands.invites", "bot.cli.commands.telegram", "bot.cli.console_chat",
}
# What every adapter shares and nothing names a platform in: the contracts, and which URLs may be posted to.
SHARED_ADAPTER_MODULES = {"base", "outbound_urls"}


def test_only_the_channel_registry_and_the_cli_import_a_specific_adapter() -> None:
    offenders = {
        module: sorted(m for m in imports if m.startswith("adapters.") and m.split(".")[1] not in SHARED_ADAPTER_MODULES)
        for module, imports in _graph().items()
        if module.startswith("bot") and module not in MAY_IMPORT_ADAPTERS
    }
    assert {module: found for module, found in offenders.items() if found} == {}


def test_telegram_is_named_in_bot_only_by_settings_the_cli_and_the_registry() -> None:
    allowed = {"settings.py", "channels.py"}
    named: list[str] = []
    for path in (ROOT / "bot").rglob("*.py"):
        relative = path.relative_to(ROOT / "bot")
        if relative.parts[0] == "cli" or str(relative) in allowed:
            continue
        code = "\n".join(
            line for line in path.read_text(encoding="utf-8").splitlines() if not line.lstrip().startswith("#")
        )
        tree = ast.parse(code)
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            text = node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None
            if isinstance(node, ast.Name | ast.Attribute):
                text = node.id if isinstance(node, ast.Name) else node.attr
            if text and id(node) not in docstrings and "telegram" in text.lower():
                named.append(f"{relative}: {text[:60]!r}")
    for package in ("storage", "conversations"):
        for path in (ROOT / package).rglob("*.py"):
            if "telegram" in path.read_text(encoding="utf-8").lower():
                named.append(str(path.relative_to(ROOT)))
    assert named == []
