"""Build the Bento from bentofile.yaml with the exact model tag and the service settings baked in."""

import hashlib
import logging
from typing import Annotated

from zenml import step

from conveyor.bento_build import BENTOFILE, build
from conveyor.config import ServiceSettings
from conveyor.constants import BENTO_TAG
from conveyor.paths import project_root

logger = logging.getLogger(__name__)


def _digest(bento_model_tag: str, settings_json: str) -> str:
    """A content hash of what goes into the Bento, so an unchanged build is reused."""
    root = project_root()
    digest = hashlib.sha256(f"{bento_model_tag}\n{settings_json}".encode())
    for path in sorted([root / BENTOFILE, root / "service.py", *(root / "conveyor").rglob("*.py")]):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


@step(enable_cache=False)
def build_bento(bento_model_tag: str, settings: ServiceSettings) -> Annotated[str, BENTO_TAG]:
    """The Bento's tag, ``conveyor:v<registry version>-<content hash>``; an identical build is reused."""
    import bentoml
    from bentoml.exceptions import NotFound

    settings_json = settings.model_dump_json()
    version = f"{bento_model_tag.rpartition(':')[2]}-{_digest(bento_model_tag, settings_json)}"
    try:
        bento = bentoml.bentos.get(f"conveyor:{version}")
        logger.info("Bento %s is already built; reusing it", bento.tag)
        return str(bento.tag)
    except NotFound:
        pass
    tag = build(bento_model_tag, version, settings_json)
    logger.info("Built Bento %s serving %s", tag, bento_model_tag)
    return tag
