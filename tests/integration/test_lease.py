"""Leases in the ZenML store (conveyor/platform/lease.py), with real contending processes on the session's store.

- Processes that increment a shared counter under the same lease never lose an update and their critical
  sections never overlap.
- A lease whose holder was killed with SIGKILL is broken once it is older than ``stale_after``, not before.
- Two promotions gated against the same champion: exactly one moves the alias.
- Two processes applying the default stack to a new store at once both succeed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import mlflow
import pytest
from zenml.client import Client

from conveyor.platform.env import state_environment
from conveyor.platform.lease import lease_tag_name, store_lease
from conveyor.platform.paths import project_root
from conveyor.platform.registry import get_champion, set_champion

pytestmark = pytest.mark.slow  # real processes on a real store: about a minute for the module

# Each round reads the counter, waits, then writes it plus one: without exclusion, updates get lost.
CONTENDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from conveyor.platform.lease import store_lease

    name, counter, spans, rounds = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])
    for _ in range(rounds):
        with store_lease(name, poll=0.02):
            start = time.time()
            value = int(counter.read_text())
            time.sleep(0.05)
            counter.write_text(str(value + 1))
            with spans.open("a") as out:
                out.write(f"{start} {time.time()}\\n")
    """
)

HOLDER = textwrap.dedent(
    """
    import sys, time
    from conveyor.platform.lease import store_lease

    with store_lease(sys.argv[1]):
        print("held", flush=True)
        time.sleep(600)
    """
)


# Creates the store: ZenML's own first start, which two processes must not race (not Conveyor's to fix).
INIT_STORE = textwrap.dedent(
    """
    from conveyor.platform.env import configure_environment

    configure_environment()
    from zenml.client import Client

    Client().active_stack_model
    """
)


def python(code: str, *args: str, env: dict[str, str] | None = None, **kwargs: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code, *args], cwd=project_root(), env=env or dict(os.environ), text=True, **kwargs
    )


def lease_exists(name: str) -> bool:
    return bool(Client().list_tags(name=f"equals:{lease_tag_name(name)}").items)


def test_contending_processes_never_overlap_and_lose_no_update(local_stack: str, tmp_path: Path) -> None:
    counter, spans = tmp_path / "counter", tmp_path / "spans"
    counter.write_text("0")
    processes, rounds = 3, 8
    contenders = [python(CONTENDER, "counting", str(counter), str(spans), str(rounds)) for _ in range(processes)]
    for contender in contenders:
        contender.wait(timeout=300)
    assert [c.returncode for c in contenders] == [0] * processes

    assert int(counter.read_text()) == processes * rounds
    intervals = sorted(tuple(map(float, line.split())) for line in spans.read_text().splitlines())
    assert len(intervals) == processes * rounds
    for (_, end), (start, _) in zip(intervals, intervals[1:], strict=False):
        assert end <= start
    assert not lease_exists("counting")


def test_the_lease_of_a_killed_holder_is_broken_after_stale_after_not_before(local_stack: str) -> None:
    holder = python(HOLDER, "abandoned", stdout=subprocess.PIPE, start_new_session=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    held_at = time.monotonic()
    os.killpg(holder.pid, signal.SIGKILL)
    holder.wait(timeout=60)
    assert lease_exists("abandoned")  # nobody released it

    stale_after = 4.0
    with store_lease("abandoned", stale_after=stale_after, poll=0.05):
        waited = time.monotonic() - held_at
        assert lease_exists("abandoned")  # now this process's
    assert waited >= stale_after - 1.0  # the lease was created at most a moment before "held"
    assert not lease_exists("abandoned")


def test_a_live_holder_keeps_its_lease_while_another_waits(local_stack: str) -> None:
    events: list[str] = []
    inside = threading.Event()

    def hold() -> None:
        with store_lease("live"):
            events.append("first in")
            inside.set()
            time.sleep(1.5)
            events.append("first out")

    first = threading.Thread(target=hold)
    first.start()
    assert inside.wait(timeout=60)
    with store_lease("live", poll=0.05):
        events.append("second in")
    first.join()
    assert events == ["first in", "first out", "second in"]


@pytest.fixture
def two_versions(local_stack: str, request: pytest.FixtureRequest) -> str:
    """A registered MLflow model with versions 1 and 2 and no champion (the sources are never loaded)."""
    name = "t-lease-" + request.node.name[-40:].replace("_", "-")
    client = mlflow.MlflowClient(tracking_uri=local_stack)
    client.create_registered_model(name)
    for _ in range(2):
        client.create_model_version(name, source="file:///nonexistent/model")
    return name


def test_two_promotions_against_the_same_champion_move_the_alias_once(local_stack: str, two_versions: str) -> None:
    results: dict[str, bool] = {}
    start = threading.Barrier(2)

    def promote(version: str) -> None:
        start.wait()
        results[version] = set_champion(local_stack, two_versions, version, expected_previous=None)

    threads = [threading.Thread(target=promote, args=(version,)) for version in ("1", "2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    winners = [version for version, moved in results.items() if moved]
    assert len(results) == 2 and len(winners) == 1, results
    champion = get_champion(local_stack, two_versions)
    assert champion is not None and champion.version == winners[0]


def test_two_processes_apply_the_stack_to_a_new_store_at_once(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in state_environment()} | {"CONVEYOR_STATE_DIR": str(tmp_path)}
    assert python(INIT_STORE, env=env).wait(timeout=120) == 0
    appliers = [
        subprocess.Popen(
            [sys.executable, "run.py", "--stack", "configs/stacks/local.yaml"],
            cwd=project_root(), env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        for _ in range(2)
    ]
    outputs = [applier.communicate(timeout=300)[0] for applier in appliers]
    assert [applier.returncode for applier in appliers] == [0, 0], "\n----\n".join(outputs)
