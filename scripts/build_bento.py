"""Builds the champion's Bento as the deployment pipeline does, without serving it; prints the Bento tag.

    python scripts/build_bento.py                                  # champion of configs/deployment.yaml's model
    python scripts/build_bento.py --set model.name=conveyor-diabetes --export dist/conveyor.bento

It runs the deployment pipeline's first three steps in this process, through their entrypoints, on the active
stack: ``resolve_champion`` (the exact version behind the champion alias), ``import_model`` (into BentoML's
store) and ``build_bento`` (bentofile.yaml plus the model's own packages; an identical build is reused).
``--export`` also writes the Bento as one archive (``bentoml import FILE`` loads it elsewhere). The train
workflow (.github/workflows/train.yml) runs this after the training pipeline.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from conveyor.config import DeploymentConfig, load_run_config
from conveyor.errors import ConveyorError
from conveyor.platform.env import configure_environment
from conveyor.platform.paths import project_root
from conveyor.serving.settings import DEPLOYMENT_CONFIG

logger = logging.getLogger("build_bento")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=project_root() / DEPLOYMENT_CONFIG, help="deployment run config")
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE", help="override one config value"
    )
    parser.add_argument("--export", type=Path, metavar="FILE", help="also write the Bento archive to FILE")
    return parser


def build(config: DeploymentConfig) -> str:
    """The Bento tag of the champion of ``config.model.name``, built (or reused) as the deployment pipeline does."""
    from steps.deployment import build_bento, import_model, resolve_champion

    champion = resolve_champion.entrypoint(model_name=config.model.name)
    bento_model_tag = import_model.entrypoint(champion=champion)
    return build_bento.entrypoint(
        bento_model_tag=bento_model_tag, settings=config.parameters.service, deployment=config.parameters.deployment
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    configure_environment()
    try:
        config = load_run_config(args.config, DeploymentConfig, args.overrides)
        from conveyor.platform.launcher import ensure_stack

        ensure_stack(None)
        tag = build(config)
        if args.export:
            import bentoml

            args.export.parent.mkdir(parents=True, exist_ok=True)
            logger.info("Exported Bento %s to %s", tag, bentoml.export_bento(tag, str(args.export.resolve())))
    except ConveyorError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    sys.stdout.write(f"{tag}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
