"""Where configured files live: a local path, or a URI that fsspec opens (s3://, gs://, az://, memory://, ...).

A relative local path is relative to the project root, so configs mean the same from any directory. A URI
is read through fsspec with the credentials of the environment, except when it lies inside the active
stack's artifact store: then the artifact store's own filesystem opens it, with the credentials the stack
gives it (on the Kubernetes stack a step pod has those and nothing else).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import fsspec
import pandas as pd
from fsspec import AbstractFileSystem

from conveyor.compat.fsspec_paths import path_within
from conveyor.errors import DataSourceError
from conveyor.platform.paths import resolve_path

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://")


def is_uri(path: str | Path) -> bool:
    """True for ``scheme://...`` (a local path never has one)."""
    return isinstance(path, str) and _SCHEME.match(path) is not None


def locate(path: str | Path) -> str:
    """A configured path as one location: a URI as given, a local path absolute (relative: to the project root)."""
    return str(path) if is_uri(path) else str(resolve_path(path))


def _artifact_store_filesystem(uri: str) -> AbstractFileSystem | None:
    """The active artifact store's fsspec filesystem when ``uri`` lies inside that store, else None."""
    from zenml.client import Client

    store = Client().active_stack.artifact_store
    root = str(store.path).rstrip("/") + "/"
    filesystem = getattr(store, "filesystem", None)  # S3, GCS and Azure stores expose their fsspec filesystem
    if uri.startswith(root) and isinstance(filesystem, AbstractFileSystem):
        return filesystem
    return None


def filesystem(location: str, key: str) -> tuple[AbstractFileSystem, str]:
    """The fsspec filesystem and the path within it for a ``locate``-d location; ``key`` names the config key."""
    if not is_uri(location):
        return fsspec.filesystem("file"), location
    store_fs = _artifact_store_filesystem(location)
    if store_fs is not None:
        return store_fs, path_within(store_fs, location)
    try:
        return fsspec.core.url_to_fs(location)
    except ImportError as exc:  # fsspec names the package, e.g. "Install s3fs to access S3"
        raise DataSourceError(
            f"cannot open {location} (`{key}`): {exc}; install it (`pip install -e '.[kubernetes]'` brings s3fs)"
        ) from exc
    except ValueError as exc:  # "Protocol not known: ..."
        raise DataSourceError(f"cannot open {location} (`{key}`): {exc}; check `{key}` in the run config") from exc


def exists(location: str, key: str) -> bool:
    fs, path = filesystem(location, key)
    return bool(fs.exists(path))


def open_file(location: str, key: str, mode: str = "rb") -> Any:
    """Open a location for reading or writing (parent directories are created for writes)."""
    fs, path = filesystem(location, key)
    if "w" in mode or "a" in mode:
        parent = path.rsplit("/", 1)[0]
        if parent:
            fs.makedirs(parent, exist_ok=True)
    return fs.open(path, mode)


def remove(location: str, key: str) -> None:
    fs, path = filesystem(location, key)
    if fs.exists(path):
        fs.rm(path)


def read_table(location: str, kind: str, key: str, **options: Any) -> pd.DataFrame:
    """Read a csv or parquet file at a local path or URI; errors name the file and the config ``key``."""
    if not exists(location, key):
        raise DataSourceError(f"data file {location} does not exist: check `{key}` in the run config")
    try:
        with open_file(location, key) as handle:
            return pd.read_csv(handle, **options) if kind == "csv" else pd.read_parquet(handle, **options)
    except Exception as exc:
        raise DataSourceError(
            f"could not read {kind} file {location} (`{key}`): {exc}; check that it is a {kind} file"
        ) from exc


# The keys of run configs that name an input file, by their dotted path under ``parameters``; a key whose
# value is None, or whose section is of another kind (a churn source, a prediction log), is skipped.
INPUT_FILE_KEYS = ("data.path", "input.path", "current.path", "retrain.labelled")


def missing_local_files(parameters: Any) -> list[str]:
    """Problems for every configured local input file that does not exist (URIs are checked when read)."""
    problems = []
    for key in INPUT_FILE_KEYS:
        section_name, _, field = key.partition(".")
        section = getattr(parameters, section_name, None)
        path = getattr(section, field, None)
        if not isinstance(path, str) or is_uri(path):
            continue
        if getattr(section, "kind", "csv") not in ("csv", "parquet"):  # a prediction log may not exist yet
            continue
        if not resolve_path(path).exists():
            problems.append(f"parameters.{key}: file {resolve_path(path)} does not exist; check the path")
    return problems
