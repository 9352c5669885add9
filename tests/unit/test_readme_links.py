"""README.md is a short front door whose relative links all resolve."""

from __future__ import annotations

import re

from conveyor.platform.paths import project_root

README = project_root() / "README.md"
# [text](target) and ![alt](target); the target ends at whitespace or the closing parenthesis.
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def _relative_targets(text: str) -> list[str]:
    targets = [m.group(1) for m in LINK.finditer(text)]
    return [t for t in targets if not re.match(r"[a-z][a-z0-9+.-]*:", t) and not t.startswith("#")]


def test_readme_is_at_most_200_lines() -> None:
    assert len(README.read_text().splitlines()) <= 200


def test_every_relative_link_in_the_readme_exists() -> None:
    targets = _relative_targets(README.read_text())
    assert targets, "the README links into docs/"
    missing = [t for t in targets if not (project_root() / t.split("#", 1)[0]).exists()]
    assert not missing, f"README.md links to files that do not exist: {missing}"
