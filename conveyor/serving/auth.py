"""Bearer-token authentication of the service: ``service.auth`` in configs/deployment.yaml.

When ``service.auth.token_env`` names an environment variable, a request needs
``Authorization: Bearer <that variable's value>`` unless its path is open: the health probes (``/healthz``,
``/livez``, ``/readyz``), the OpenAPI page (``/``, ``/docs.json``, ``/schema.json`` and their static assets) and
``/metrics`` unless ``protect_metrics``. Every other path (the prediction endpoints, ``/feedback``,
``/model_info``, and any path the service does not have) answers 401 with a JSON body that says what is missing
and a ``WWW-Authenticate: Bearer`` header, before the body is read. Tokens are compared in constant time, as
SHA-256 digests, so neither the value nor the length of the token leaks through timing.

The token lives only in the serving process's environment: service.py reads the variable when serving starts
(``check_start``, in BentoML's ``on_deployment`` hook, once before any worker) and refuses to start while the
variable is empty or unset; each worker's middleware reads it again. Building a Bento does not need it.
``auth_headers`` gives a client of the service (the deployment pipeline's parity check) the header from the
same variable.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import os
from typing import Any

from conveyor.config import ServiceSettings
from conveyor.errors import ServingError
from conveyor.serving.traffic_metrics import METRICS_PATH

logger = logging.getLogger(__name__)

OPEN_PATHS = frozenset({"/", "/docs.json", "/schema.json", "/healthz", "/livez", "/readyz"})
OPEN_PREFIXES = ("/static_content/", "/assets/")  # the OpenAPI page's scripts and styles (old and new index)
EXPECTED = "Authorization: Bearer <token>"
MISSING = "the request has no Authorization header"
REALM = 'Bearer realm="conveyor"'


def read_token(token_env: str | None) -> str | None:
    """The token in the variable ``token_env`` (surrounding whitespace removed), or None when ``token_env`` is.

    Raises:
        ServingError: ``token_env`` is set but the variable is empty or unset.
    """
    if token_env is None:
        return None
    token = os.environ.get(token_env, "").strip()
    if not token:
        raise ServingError(
            f"service.auth.token_env is {token_env}, but the environment variable {token_env} is "
            f"{'empty' if token_env in os.environ else 'not set'} in this process: the service would be locked with "
            f"no key. Export {token_env}=<token> where the service starts (the shell of `bentoml serve`, the run "
            "of the deployment pipeline), or set service.auth.token_env: null to serve without authentication"
        )
    return token


def auth_headers(token_env: str | None) -> dict[str, str]:
    """The ``Authorization`` header a client sends with the token from ``token_env``; none without auth."""
    token = read_token(token_env)
    return {} if token is None else {"Authorization": f"Bearer {token}"}


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps the service on this machine (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:  # a host name: it may resolve to any interface
        return False


def check_start(settings: ServiceSettings) -> None:
    """What serving needs before it starts: the token when auth is on; without it, a warning beyond loopback.

    Raises:
        ServingError: ``service.auth.token_env`` is set but the variable is empty or unset.
    """
    auth = settings.auth
    if read_token(auth.token_env) is not None:
        logger.info(
            "Authentication on: every endpoint but the health probes, the OpenAPI page%s needs the bearer token in %s",
            "" if auth.protect_metrics else " and /metrics", auth.token_env,
        )
    elif not is_loopback(settings.host):
        logger.warning(
            "service.host is %s, beyond loopback, and service.auth.token_env is not set: anyone who can reach the "
            "service can call /predict, /feedback and /model_info. Set service.auth.token_env: CONVEYOR_API_TOKEN "
            "and export that variable (docs/serving.md#authentication)", settings.host,
        )


def bearer_token(headers: list[tuple[bytes, bytes]]) -> tuple[bytes | None, str | None]:
    """The token of the request's one ``Authorization: Bearer`` header, or None and what is wrong with it."""
    values = [value for name, value in headers if name.lower() == b"authorization"]
    if not values:
        return None, MISSING
    if len(values) > 1:
        return None, "the request has more than one Authorization header"
    scheme, _, token = values[0].strip().partition(b" ")
    if scheme.lower() != b"bearer":
        return None, f"the Authorization header's scheme is {scheme.decode('latin-1')!r}, not Bearer"
    token = token.strip()
    if not token:
        return None, "the Authorization header has no token after Bearer"
    return token, None


def token_matches(given: bytes, token: bytes) -> bool:
    """Whether ``given`` is ``token``, in time independent of where they differ and of their lengths."""
    return hmac.compare_digest(hashlib.sha256(given).digest(), hashlib.sha256(token).digest())


async def _refuse(send: Any, problem: str, invalid: bool) -> None:
    body = json.dumps({"error": f"authentication required: {problem}", "expected": EXPECTED}).encode()
    challenge = f'{REALM}, error="invalid_token"' if invalid else REALM
    await send({"type": "http.response.start", "status": 401, "headers": [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"www-authenticate", challenge.encode()),
    ]})
    await send({"type": "http.response.body", "body": body})


class BearerAuth:
    """401 for a request to a guarded path without the bearer token; every path but the open ones is guarded.

    Added inside BoundedTrafficMetrics (so a 401 is counted) and outside RequestGuard (so a 401 never reads the
    body). With ``token_env`` None it passes every request on.
    """

    def __init__(self, app: Any, token_env: str | None):
        self.app = app
        token = read_token(token_env)
        self.token = None if token is None else token.encode()

    def guards(self, path: str) -> bool:
        """Whether a request to ``path`` needs the token."""
        return path not in OPEN_PATHS and path != METRICS_PATH and not path.startswith(OPEN_PREFIXES)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self.token is None or scope["type"] != "http" or not self.guards(scope["path"]):
            await self.app(scope, receive, send)
            return
        given, problem = bearer_token(scope["headers"])
        if given is None:
            await _refuse(send, str(problem), invalid=problem != MISSING)
            return
        if not token_matches(given, self.token):
            await _refuse(send, "the bearer token is not the service's", invalid=True)
            return
        await self.app(scope, receive, send)


class MetricsAuth(BearerAuth):
    """``/metrics`` needs the token (``protect_metrics``): added in front of BoundedTrafficMetrics, which answers
    ``/metrics`` itself and does not count those requests."""

    def guards(self, path: str) -> bool:
        return path == METRICS_PATH
