"""A URI as a path of a given fsspec filesystem, by that filesystem's own rule.

Contract: ``path_within(fs, uri)`` is ``uri`` without its protocol, as ``fs`` expects its paths. In the
fsspec versions it was written for (``FSSPEC_STRIP_PROTOCOL`` in patches.py) that is ``fs``'s own
(underscored) rule; outside them it warns and uses the public ``fsspec.core.strip_protocol``, the rule of the
class registered for the protocol.
"""

from __future__ import annotations

import fsspec
from fsspec import AbstractFileSystem

from conveyor.compat.patches import FSSPEC_STRIP_PROTOCOL


def path_within(fs: AbstractFileSystem, uri: str) -> str:
    """``uri`` as a path of ``fs`` (``s3://bucket/key`` -> ``bucket/key`` for an S3 filesystem)."""
    if FSSPEC_STRIP_PROTOCOL.check():
        return str(fs._strip_protocol(uri))
    return str(fsspec.core.strip_protocol(uri))
