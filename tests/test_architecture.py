"""The import rules of docs/architecture.md, read from the source with `ast`: no allow-list.

- `store/` and `rules/` import no vendor package, no admin, no Flask (nor werkzeug);
- `web/` imports no vendor package and no admin;
- one vendor never imports the other;
- only `app.py` and `cli/` import both vendors.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "mockserver"
VENDORS = ("fullfabric", "digitalchalk")
FRAMEWORKS = ("flask", "werkzeug")


def modules(folder: str = "") -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py"))


def imported(path: Path, root: Path = PACKAGE) -> Iterator[str]:
    """Every module `path` (a module of the package at `root`) imports, by absolute name (relative
    imports resolved), wherever the import statement is (a function body or an `if TYPE_CHECKING:`
    block counts too)."""
    package = ["mockserver", *path.relative_to(root).parent.parts]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            yield module
            yield from (f"{module}.{alias.name}" for alias in node.names)


def top_parts(name: str) -> tuple[str, ...]:
    """`mockserver.fullfabric.views` → ("mockserver", "fullfabric"); `flask.json` → ("flask",)."""
    parts = tuple(name.split("."))
    return parts[:2] if parts[0] == "mockserver" else parts[:1]


def uses(path: Path, *names: str, root: Path = PACKAGE) -> set[str]:
    """Which of `names` (vendor packages, `admin`, or frameworks) `path` imports."""
    found = set()
    for name in imported(path, root):
        parts = top_parts(name)
        for wanted in names:
            if parts in {("mockserver", wanted), (wanted,)}:
                found.add(wanted)
    return found


def relative(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent))


@pytest.mark.parametrize("path", modules("store") + modules("rules"), ids=relative)
def test_the_store_and_the_rules_know_no_vendor_no_admin_and_no_flask(path: Path) -> None:
    assert uses(path, *VENDORS, "admin", *FRAMEWORKS) == set()


@pytest.mark.parametrize("path", modules("web"), ids=relative)
def test_the_web_plumbing_knows_no_vendor_and_no_admin(path: Path) -> None:
    assert uses(path, *VENDORS, "admin") == set()


@pytest.mark.parametrize("vendor", VENDORS)
def test_a_vendor_never_imports_the_other(vendor: str) -> None:
    others = [other for other in VENDORS if other != vendor]
    offending = {relative(path): uses(path, *others) for path in modules(vendor) if uses(path, *others)}
    assert offending == {}


def test_only_the_composition_root_and_the_cli_import_both_vendors() -> None:
    both = {relative(path) for path in modules() if uses(path, *VENDORS) == set(VENDORS)}
    assert both <= {"mockserver/app.py"} | {relative(path) for path in modules("cli")}
    assert "mockserver/app.py" in both  # the guard reads imports as they are written


def test_the_guard_sees_imports_of_every_form(tmp_path: Path) -> None:
    """`uses` catches absolute, relative, aliased and nested imports (else the rules above could pass
    on a package that breaks them)."""
    root = tmp_path / "mockserver"
    folder = root / "store"
    folder.mkdir(parents=True)
    cases = {
        "import mockserver.fullfabric.views": {"fullfabric"},
        "from mockserver.digitalchalk import table": {"digitalchalk"},
        "from ..admin import views": {"admin"},
        "from .. import fullfabric": {"fullfabric"},
        "def f():\n    from flask import request": {"flask"},
        "import werkzeug.exceptions as x": {"werkzeug"},
        "from mockserver.vendor import Vendor": set(),
    }
    for number, (source, expected) in enumerate(cases.items()):
        path = folder / f"case_{number}.py"
        path.write_text(source + "\n")
        assert uses(path, *VENDORS, "admin", *FRAMEWORKS, root=root) == expected, source
