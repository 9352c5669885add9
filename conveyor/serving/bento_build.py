"""Build the Bento in a child process.

``python -m conveyor.serving.bento_build TAG VERSION SETTINGS_JSON [--package P]``.

Building imports service.py, which fixes the model tag and registers Prometheus metrics for the
whole process; a child process keeps that away from the pipeline (and from a second build in it).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from typing import Any

import yaml

from conveyor.errors import DeploymentError
from conveyor.platform.paths import project_root

BENTOFILE = "bentofile.yaml"


def build(bento_model_tag: str, version: str, settings_json: str, packages: list[str]) -> str:
    """Build ``conveyor:<version>`` from bentofile.yaml with the model tag and settings as Bento arguments.

    ``packages`` are installed in the Bento besides bentofile.yaml's (a container deployment needs some).
    """
    command = [sys.executable, "-m", "conveyor.serving.bento_build", bento_model_tag, version, settings_json]
    for package in packages:
        command += ["--package", package]
    result = subprocess.run(command, cwd=project_root(), capture_output=True, text=True)
    if result.returncode != 0:
        raise DeploymentError(f"building the Bento for {bento_model_tag} failed:\n{result.stderr[-3000:]}")
    return result.stdout.strip().splitlines()[-1]


def with_packages(bentofile: dict[str, Any], packages: list[str]) -> dict[str, Any]:
    """A copy of the parsed bentofile with ``packages`` added to its Python packages."""
    python = dict(bentofile.get("python") or {})
    python["packages"] = [*python.get("packages", []), *packages]
    return {**bentofile, "python": python}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("model_tag")
    parser.add_argument("version")
    parser.add_argument("settings")
    parser.add_argument("--package", action="append", default=[], help="a further Python requirement")
    args = parser.parse_args()
    import bentoml

    arguments = {"model_tag": args.model_tag, "settings": args.settings}
    if not args.package:
        bento = bentoml.bentos.build_bentofile(
            str(project_root() / BENTOFILE), version=args.version, build_ctx=str(project_root()), args=arguments
        )
    else:
        spec = with_packages(yaml.safe_load((project_root() / BENTOFILE).read_text()), args.package)
        bento = bentoml.bentos.build(**spec, version=args.version, build_ctx=str(project_root()), args=arguments)
    sys.stdout.write(f"{bento.tag}\n")


if __name__ == "__main__":
    main()
