"""The README stays short, and its index leads to every page of docs/."""

from __future__ import annotations

import re

from ..conftest import ROOT

README = (ROOT / "README.md").read_text()


def test_the_readme_is_under_300_lines() -> None:
    assert len(README.splitlines()) < 300


def test_the_readme_index_links_every_docs_page() -> None:
    assert "\n## Documentation\n" in README
    index = README.split("\n## Documentation\n", 1)[1].split("\n## ", 1)[0]
    linked = set(re.findall(r"\]\(docs/([^)#]+\.md)\)", index))
    pages = {page.name for page in (ROOT / "docs").glob("*.md")}
    assert pages - linked == set()
