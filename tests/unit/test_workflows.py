"""The GitHub workflows run only commands that exist: make targets, run.py flags, scripts, config and stack files.

actionlint and zizmor (``make workflows``) check the workflow syntax and its security; this checks what the
``run:`` scripts call against the project itself, with the workflow's own environment filled in.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from conveyor.cli import build_parser
from conveyor.platform.paths import project_root

ROOT = project_root()
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
# What the runner sets; the tests only need a stand-in value.
RUNNER_ENV = {"GITHUB_ENV": "/tmp/env", "GITHUB_STEP_SUMMARY": "/tmp/summary", "RUNNER_TEMP": "/tmp"}
SHELL_WORDS = {"if", "then", "else", "elif", "fi", "!"}
PLAIN_COMMANDS = {"echo", "printf", "cat", "exit", "umask", "["}
OPERATORS = set(";&|(){}")
REDIRECTS = {">", ">>", "<"}
PINNED = re.compile(r"^\s*(?:- )?uses: ([\w.-]+/[\w.-]+)@([0-9a-f]{40}) # v\d+(\.\d+)*$")


def _load(path: Path) -> dict[str, Any]:
    workflow = yaml.safe_load(path.read_text())
    workflow["on"] = workflow.pop(True, workflow.get("on"))  # YAML 1.1 reads the key `on` as True
    return workflow


def _value(text: str) -> str:
    """A workflow env value with its expression resolved: a variable's default, a secret's stand-in."""
    match = re.fullmatch(r"\$\{\{\s*vars\.\w+\s*\|\|\s*'([^']*)'\s*\}\}", text)
    if match:
        return match.group(1)
    return "secret-stand-in" if "secrets." in text else text


def _environment(workflow: dict[str, Any], job: dict[str, Any], step: dict[str, Any]) -> dict[str, str]:
    env = dict(RUNNER_ENV)
    for level in (workflow, job, step):
        env.update({key: _value(str(value)) for key, value in (level.get("env") or {}).items()})
    return env


def commands(script: str, env: dict[str, str]) -> list[list[str]]:
    """The simple commands of a ``run:`` script as words, variables expanded: a light parse of the shell
    the workflows use (pipes, lists, ``$(...)``, redirections, if/then/else)."""
    script = script.replace("\\\n", " ")
    inner = re.findall(r"\$\(([^()]*)\)", script)
    script = re.sub(r"\$\(([^()]*)\)", "substituted", script)
    found: list[list[str]] = []
    for line in [*script.splitlines(), *inner]:
        for name, value in env.items():
            line = re.sub(rf"\$\{{?{name}\b\}}?", value.replace("\\", "\\\\"), line)
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|(){}<>")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        current: list[str] = []
        skip = False
        for word in lexer:
            if skip:
                skip = False
            elif word in REDIRECTS:
                skip = True  # the word after a redirection is a file
            elif set(word) <= OPERATORS:
                found.append(current)
                current = []
            elif current or word not in SHELL_WORDS:
                current.append(word)
        found.append(current)
    return [words for words in found if words]


def _make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    return {m.group(1) for m in re.finditer(r"^([A-Za-z][\w.-]*)\s*:(?!=)", text, re.MULTILINE)}


def _extras() -> set[str]:
    return set(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"])


def _check_python(words: list[str]) -> None:
    if words[1] == "run.py":
        args = build_parser().parse_args(words[2:])  # exits (a failure) on an unknown flag or a bad value
        for path in (args.config, args.stack):
            assert path is None or (ROOT / path).is_file(), f"{' '.join(words)}: {path} does not exist"
    elif words[1].endswith(".py"):
        script = ROOT / words[1]
        assert script.is_file(), f"{words[1]} does not exist"
        if words[1].startswith("scripts/"):
            module = __import__(f"scripts.{script.stem}", fromlist=["build_parser"])
            module.build_parser().parse_args(words[2:])
    elif words[1:4] == ["-m", "uv", "pip"]:
        for extra in re.findall(r"\.\[([\w,-]+)\]", " ".join(words)):
            assert set(extra.split(",")) <= _extras(), f"{' '.join(words)}: no such extra in pyproject.toml"
    else:
        assert words[1:3] == ["-m", "pip"], f"unexpected python command: {' '.join(words)}"


def check_command(words: list[str]) -> None:
    """Fail unless the command and everything it names exists in this project."""
    program = words[0]
    if program == "make":
        targets = [w for w in words[1:] if not w.startswith("-") and "=" not in w]
        assert targets and set(targets) <= _make_targets(), f"{' '.join(words)}: no such make target"
    elif program == "bash":
        assert (ROOT / words[1]).is_file(), f"{words[1]} does not exist"
    elif program.endswith("/python") or program == "python":
        _check_python(words)
    elif re.fullmatch(r"\w+=.*", program):
        pass  # an assignment; a command it runs in $(...) is checked on its own
    else:
        assert program in PLAIN_COMMANDS, f"unchecked command {program!r}: teach tests/unit/test_workflows.py it"


def _steps() -> list[tuple[str, dict[str, str], str]]:
    found = []
    for path in WORKFLOWS:
        workflow = _load(path)
        for job in workflow["jobs"].values():
            for step in job["steps"]:
                if "run" in step:
                    found.append((f"{path.name}: {step.get('name', step['run'])}", _environment(workflow, job, step),
                                  step["run"]))
    return found


def test_there_are_the_two_workflows() -> None:
    assert [p.name for p in WORKFLOWS] == ["ci.yml", "train.yml"]


@pytest.mark.parametrize(("where", "env", "script"), _steps(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_command_a_workflow_runs_exists(where: str, env: dict[str, str], script: str) -> None:
    found = commands(script, env)
    assert found, f"{where}: no command"
    for words in found:
        check_command(words)


def test_the_workflows_environment_names_files_that_exist() -> None:
    for path in WORKFLOWS:
        for key, value in (_load(path).get("env") or {}).items():
            value = _value(str(value))
            if value.endswith((".yaml", ".yml")):
                assert (ROOT / value).is_file(), f"{path.name}: env {key} names {value}, which does not exist"


def test_ci_runs_what_ci_run_runs() -> None:
    steps = _load(ROOT / ".github/workflows/ci.yml")["jobs"]["test"]["steps"]
    assert [s["run"].strip() for s in steps if "run" in s] == ["bash .ci/run"]
    assert "make test" in (ROOT / ".ci/run").read_text().splitlines()
    setup = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python@"))
    assert setup["with"] == {"python-version": "3.11", "cache": "pip", "cache-dependency-path": "pyproject.toml"}
    assert "3.11" in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]


def test_train_runs_by_hand_and_weekly_and_reports_its_verdict() -> None:
    workflow = _load(ROOT / ".github/workflows/train.yml")
    assert set(workflow["on"]) == {"workflow_dispatch", "schedule"}
    assert len(workflow["on"]["schedule"]) == 1
    scripts = [s["run"] for s in workflow["jobs"]["train"]["steps"] if "run" in s]
    assert any("run.py --pipeline training" in s and "--report" in s for s in scripts)
    assert any("scripts/build_bento.py" in s for s in scripts)
    assert any("GITHUB_STEP_SUMMARY" in s for s in scripts)
    uploads = [s["with"]["path"] for s in workflow["jobs"]["train"]["steps"] if "upload-artifact" in s.get("uses", "")]
    assert uploads == ["${{ env.REPORT_DIR }}", "${{ env.BENTO_FILE }}"]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_actions_are_pinned_by_commit_and_hold_no_credentials(path: Path) -> None:
    workflow = _load(path)
    assert workflow["permissions"] == {"contents": "read"}
    assert "concurrency" in workflow
    uses = [line for line in path.read_text().splitlines() if "uses:" in line]
    assert uses and all(PINNED.match(line) for line in uses), "pin every action by its full commit SHA: # vX.Y.Z"
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False


def test_the_command_parse_finds_what_the_shell_would_run() -> None:
    script = 'tag="$(.venv/bin/python scripts/x.py --out "$OUT")"\nif [ -n "$A" ]; then make a b; fi > log\n'
    assert commands(script, {"OUT": "dist/x", "A": "1"}) == [
        ["tag=substituted"],
        ["[", "-n", "1", "]"],
        ["make", "a", "b"],
        [".venv/bin/python", "scripts/x.py", "--out", "dist/x"],
    ]


@pytest.mark.parametrize(
    "words",
    [
        ["make", "tests"],
        [".venv/bin/python", "run.py", "--pipeline", "trainings"],
        [".venv/bin/python", "run.py", "--pipeline", "training", "--reports", "out"],
        [".venv/bin/python", "run.py", "--pipeline", "training", "--config", "configs/no-such.yaml"],
        [".venv/bin/python", "run.py", "--stack", "configs/stacks/no-such.yaml"],
        [".venv/bin/python", "scripts/no_such.py"],
        [".venv/bin/python", "scripts/build_bento.py", "--exports", "x"],
        [".venv/bin/python", "-m", "uv", "pip", "install", "-e", ".[kubernetess]"],
        ["bash", ".ci/no-such"],
        ["curl", "https://example.org"],
    ],
    ids=" ".join,
)
def test_a_command_that_does_not_exist_is_caught(words: list[str]) -> None:
    with pytest.raises((AssertionError, SystemExit)):
        check_command(words)
