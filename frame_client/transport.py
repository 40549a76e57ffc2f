"""Talk to one endpoint over HTTP: `/run` to queue a job, `/status/{id}` to check on it.

Works with the hosted API (`https://api.runpod.ai/v2/{endpoint_id}`, API key in the
Authorization header, GET for status) and with the local API of `python handler.py
--rp_serve_api` (routes at the server root, no key needed on loopback, status by POST only:
a GET answered 405 switches this endpoint to POST). Transient failures of one call are retried
here with capped backoff for as long as they last less than `outage_s`; `failures.py` says which.
Answers are returned as parsed, unchecked: the runner judges them. This is the only module that reads the
environment (`RUNPOD_VISION_ENDPOINT_ID`, `RUNPOD_API_KEY`) and only in `resolve_endpoint`.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlparse

import requests

from frame_contract.policy import JOB_ENDINGS, KEY_REFUSED_STATUSES, NO_ENDPOINT_STATUS, POLICY, Ending

from .failures import ConfigError, EndpointError, is_transient_http_status
from .options import ClientOptions

log = logging.getLogger(__name__)

HOSTED_API = "https://api.runpod.ai/v2"
ENDPOINT_ID_VAR = "RUNPOD_VISION_ENDPOINT_ID"
API_KEY_VAR = "RUNPOD_API_KEY"
_LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


class RequestFailed(Exception):
    """One call to the endpoint failed for good; `ending` (the policy's) says how its job's attempt ends."""

    def __init__(self, reason: str, ending: str):
        super().__init__(reason)
        self.reason = reason
        self.ending: Ending = JOB_ENDINGS[ending]


class UnusableAnswer(Exception):
    """A 200 answer whose body is not JSON: a glitch between us and the endpoint, not an answer."""


@dataclass(frozen=True)
class EndpointConfig:
    """Where the endpoint is and the key it takes (None on loopback)."""

    url: str
    api_key: str | None


def resolve_endpoint(
    endpoint_url: str | None = None, api_key: str | None = None, env: Mapping[str, str] | None = None
) -> EndpointConfig:
    """The endpoint from the arguments, else from the environment; `ConfigError` if incomplete."""
    env = os.environ if env is None else env
    url = (endpoint_url or "").strip()
    if not url:
        endpoint_id = env.get(ENDPOINT_ID_VAR, "").strip()
        if not endpoint_id:
            raise ConfigError(
                f"No endpoint: set {ENDPOINT_ID_VAR} to your RunPod endpoint's id, or give the "
                "endpoint URL (--endpoint-url, or endpoint_url=), e.g. http://127.0.0.1:8000 for "
                "`python handler.py --rp_serve_api`."
            )
        url = f"{HOSTED_API}/{endpoint_id}"
    url = url.rstrip("/")
    for suffix in ("/runsync", "/run"):  # a URL copied from the console's request examples
        url = url.removesuffix(suffix)
    if urlparse(url).scheme not in ("http", "https") or not urlparse(url).hostname:
        raise ConfigError(f"The endpoint URL must be an http(s) URL, not {url!r}.")
    key = (api_key or env.get(API_KEY_VAR, "")).strip() or None
    if key is None and not is_loopback(url):
        raise ConfigError(
            f"No API key for {url}: set {API_KEY_VAR} (or pass --api-key, or api_key=). "
            "Only a local endpoint on 127.0.0.1 or localhost works without one."
        )
    return EndpointConfig(url=url, api_key=key)


def is_loopback(url: str) -> bool:
    host = (urlparse(url).hostname or "").lower()
    return host in _LOOPBACK_HOSTS or host.startswith("127.")


class _MethodNotAllowed(Exception):
    pass


class Endpoint:
    """`/run` and `/status` calls to one endpoint, safe to share between threads."""

    def __init__(self, config: EndpointConfig, options: ClientOptions | None = None):
        self.config = config
        self.options = options or ClientOptions()
        self._headers = {"Authorization": f"Bearer {config.api_key}"} if config.api_key else {}
        self._status_method = "GET"
        self._sessions = threading.local()
        self._stopped = threading.Event()

    def submit(self, job_input: dict) -> str:
        """Queue a job; returns its id. An answer without one is a transient failure."""
        try:
            body = self._call("POST", "/run", {"input": job_input}, self.options.request_timeout_s)
        except UnusableAnswer as err:
            raise RequestFailed(str(err), "no_job_id") from None
        job_id = body.get("id") if isinstance(body, dict) else None
        if not isinstance(job_id, str) or not job_id:
            raise RequestFailed("the endpoint's answer to /run has no job id", "no_job_id")
        return job_id

    def status(self, job_id: str, read_timeout_s: float, give_up_at: float | None = None) -> object:
        """The job's status answer as parsed JSON, unchecked; `UnusableAnswer` when it is not JSON.

        On the local API this call runs the job, hence the timeout. Retries stop at `give_up_at`
        (a `time.monotonic()` value: the job's deadline) even inside the outage window.
        """
        path = f"/status/{quote(job_id, safe='')}"
        if self._status_method == "GET":
            try:
                timeout = min(read_timeout_s, self.options.request_timeout_s)
                return self._call("GET", path, None, timeout, give_up_at)
            except _MethodNotAllowed:
                log.info("%s answers status checks by POST only (the local API): using POST", self.config.url)
                self._status_method = "POST"
        return self._call("POST", path, None, read_timeout_s, give_up_at)

    def cancel(self, job_id: str) -> None:
        """Ask the endpoint to drop a job we gave up on; best effort, one try."""
        try:
            self._session().post(
                f"{self.config.url}/cancel/{quote(job_id, safe='')}",
                headers=self._headers,
                timeout=(self.options.connect_timeout_s, self.options.request_timeout_s),
            )
        except requests.RequestException as err:
            log.debug("cancelling job %s failed: %s", job_id, err)

    def stop(self) -> None:
        """Cut short every pause between retries: the run is over."""
        self._stopped.set()

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; False if the run was stopped meanwhile."""
        return not self._stopped.wait(seconds)

    def _session(self) -> requests.Session:
        session = getattr(self._sessions, "session", None)
        if session is None:
            session = self._sessions.session = requests.Session()
        return session

    def _call(
        self,
        method: str,
        path: str,
        json_body: dict | None,
        read_timeout_s: float,
        give_up_at: float | None = None,
    ) -> object:
        options = self.options
        url = f"{self.config.url}{path}"
        route = path.split("/")[1]
        attempt = 0
        failing_since: float | None = None  # the first failure of the current streak
        while True:
            pause = options.http_backoff_s * POLICY.backoff_factor**attempt
            try:
                response = self._session().request(
                    method,
                    url,
                    json=json_body,
                    headers=self._headers,
                    timeout=(options.connect_timeout_s, read_timeout_s),
                )
            except requests.Timeout:
                reason = f"no answer from the endpoint's /{route} within {read_timeout_s:.0f} s"
            except _NOT_TRANSIENT as err:
                raise RequestFailed(
                    f"request to /{route} failed: {type(err).__name__}", "request_refused"
                ) from None
            except requests.RequestException as err:  # refused, reset, broken mid-answer
                reason = f"could not reach the endpoint at {self.config.url} ({type(err).__name__})"
            else:
                status = response.status_code
                if status == 200:
                    return self._json(response, route)
                if status == 405 and method == "GET":
                    raise _MethodNotAllowed
                if status in KEY_REFUSED_STATUSES:
                    raise EndpointError(
                        f"The endpoint at {self.config.url} refused the API key (HTTP {status}): "
                        "check RUNPOD_API_KEY or --api-key."
                    )
                if status == NO_ENDPOINT_STATUS and route == "run":
                    raise EndpointError(
                        f"No endpoint at {self.config.url} (HTTP 404 on /run): check "
                        f"{ENDPOINT_ID_VAR} or --endpoint-url."
                    )
                reason = f"HTTP {status} from the endpoint on /{route}"
                if status == NO_ENDPOINT_STATUS:  # a job the endpoint no longer knows
                    raise RequestFailed(reason, "job_unknown")
                if not is_transient_http_status(status):
                    raise RequestFailed(f"{reason}: {_snippet(response)}", "request_refused")
                pause = max(pause, _retry_after(response))
            now = time.monotonic()
            if failing_since is None:
                failing_since = now
            window_ends = failing_since + options.outage_s
            if give_up_at is not None:
                window_ends = min(window_ends, give_up_at)
            if now >= window_ends:
                lasted = f"{now - failing_since:.0f} s" if attempt else "one try"
                raise RequestFailed(f"{reason} (failing for {lasted})", "unreachable")
            attempt += 1
            pause = min(pause, options.max_backoff_s, window_ends - now)
            log.debug("%s %s: %s; try %d in %.1f s", method, path, reason, attempt + 1, pause)
            if not self.wait(pause):
                raise RequestFailed(f"{reason}; the run stopped", "unreachable")

    @staticmethod
    def _json(response: requests.Response, route: str) -> object:
        try:
            return response.json()
        except ValueError:
            raise UnusableAnswer(f"the endpoint's answer to /{route} is not JSON") from None


# Failures of our own request, not of the moment: trying again sends the same mistake.
_NOT_TRANSIENT = (
    requests.exceptions.InvalidURL,
    requests.exceptions.InvalidSchema,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidHeader,
)


def _retry_after(response: requests.Response) -> float:
    try:
        return float(response.headers.get("Retry-After", 0))
    except ValueError:
        return 0.0


def _snippet(response: requests.Response) -> str:
    text = " ".join(response.text.split())
    return text[:200] or "(empty body)"
