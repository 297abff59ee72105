"""The fleet backend's HTTP API as seen from a station (docs/sync-api.md), over httpx.

Every failure becomes one of a few errors whose message a person can act on: the backend is
unreachable or failing (worth retrying), the station token is rejected (not worth retrying
until someone fixes the token), or the backend refused a request (4xx, with its detail).
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from app import __version__
from app.storage.config import Config

API = "/api/v1"
TIMEOUT_S = 30.0
DOWNLOAD_CHUNK = 256 * 1024
ORDERS_PER_POST = 1000  # the backend's limit


class SyncError(Exception):
    """Why a sync could not happen; str() is the reason to show."""


class NotConfiguredError(SyncError):
    pass


class BackendUnreachableError(SyncError):
    """Network trouble or a 5xx: retry later."""


class BackendServerError(BackendUnreachableError):
    """The backend answered 5xx: it is up but failing, for every request or for this one."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"backend error {status}: {detail}")
        self.status = status
        self.detail = detail


class TokenRejectedError(SyncError):
    def __init__(self) -> None:
        super().__init__(
            "station token rejected: set a valid one with kitbench config set backend.token"
        )


class BackendRejectedError(SyncError):
    """A 4xx other than 401: the request itself is wrong; retrying it unchanged will not help."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"backend refused the request ({status}): {detail}")
        self.status = status
        self.detail = detail


@dataclass(frozen=True)
class Acknowledgement:
    accepted: list[str]
    duplicates: list[str]


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    if isinstance(body, dict) and "detail" in body:
        return str(body["detail"])
    return str(body)[:200]


class BackendClient:
    def __init__(
        self,
        url: str,
        token: str,
        *,
        ca_bundle: str | None = None,
        timeout: float = TIMEOUT_S,
    ) -> None:
        """`url` is the backend's base URL; `token` a station's, or a publisher's for
        the publishing calls."""
        # https is always verified: against the system's CAs, or the configured private CA.
        verify: ssl.SSLContext | bool = True
        if ca_bundle:
            verify = ssl.create_default_context(cafile=ca_bundle)
        self.url = url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.url + API,
            headers={
                "Authorization": f"Bearer {token}",
                "User-Agent": f"kitbench/{__version__}",
            },
            verify=verify,
            timeout=timeout,
        )

    @classmethod
    def from_config(cls, config: Config, *, timeout: float = TIMEOUT_S) -> BackendClient:
        url = config.backend_url
        if not url:
            raise NotConfiguredError(
                "no backend configured: kitbench config set backend.url https://…"
            )
        token = config.backend_token
        if not token:
            raise NotConfiguredError("no station token: kitbench config set backend.token …")
        try:
            return cls(url, token, ca_bundle=config.ca_bundle, timeout=timeout)
        except (OSError, ssl.SSLError) as exc:
            raise NotConfiguredError(
                f"cannot use backend.ca_bundle {config.ca_bundle}: {exc}"
            ) from exc

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            reason = str(exc) or type(exc).__name__
            raise BackendUnreachableError(f"backend unreachable: {reason}") from exc
        self._raise_for(response)
        try:
            return response.json()
        except ValueError as exc:
            raise BackendUnreachableError(
                f"backend answered with something other than JSON ({self.url})"
            ) from exc

    @staticmethod
    def _raise_for(response: httpx.Response) -> None:
        if response.status_code < 400:
            return
        if not response.is_closed:
            response.read()
        if response.status_code == 401:
            raise TokenRejectedError()
        if response.status_code >= 500:
            raise BackendServerError(response.status_code, _detail(response))
        raise BackendRejectedError(response.status_code, _detail(response))

    def post_runs(self, runs: list[dict[str, Any]]) -> Acknowledgement:
        body = self._call("POST", "/runs", json={"runs": runs})
        try:
            return Acknowledgement(list(body["accepted"]), list(body["duplicates"]))
        except (KeyError, TypeError) as exc:
            raise BackendUnreachableError(f"backend answered an unexpected receipt: {exc}") from exc

    def post_orders(self, orders: list[dict[str, Any]]) -> list[str]:
        """Send the station's kitting orders, `ORDERS_PER_POST` a request; the numbers stored."""
        stored: list[str] = []
        for start in range(0, len(orders), ORDERS_PER_POST):
            body = self._call(
                "POST", "/orders", json={"orders": orders[start : start + ORDERS_PER_POST]}
            )
            try:
                stored += [str(number) for number in body["stored"]]
            except (KeyError, TypeError) as exc:
                raise BackendUnreachableError(
                    f"backend answered an unexpected receipt: {exc}"
                ) from exc
        return stored

    def channel(self, channel: str) -> list[dict[str, Any]]:
        """The releases a station following `channel` offers (per template, the current one)."""
        body = self._call("GET", f"/channels/{channel}")
        try:
            return list(body["releases"])
        except (KeyError, TypeError) as exc:
            raise BackendUnreachableError(f"backend answered an unexpected list: {exc}") from exc

    @contextlib.contextmanager
    def download(
        self, sha256: str, offset: int = 0
    ) -> Iterator[tuple[int | None, Iterator[bytes]]]:
        """Stream a release file from byte `offset` (HTTP Range): (where the bytes start, the
        bytes). The start is 0 when the backend sent the whole file, None when it has no such
        file (404)."""
        headers = {"Range": f"bytes={offset}-"} if offset else {}
        try:
            with self._http.stream("GET", f"/files/{sha256}", headers=headers) as response:
                if response.status_code == 404:
                    yield None, iter(())
                    return
                if response.status_code == 416:  # nothing after `offset`: start again
                    yield 0, iter(())
                    return
                self._raise_for(response)
                start = offset if response.status_code == 206 else 0
                yield start, response.iter_bytes(DOWNLOAD_CHUNK)
        except httpx.HTTPError as exc:
            reason = str(exc) or type(exc).__name__
            raise BackendUnreachableError(f"backend unreachable: {reason}") from exc

    # -- publishing (a publisher token)

    def files_missing(self, files: list[tuple[str, int]]) -> dict[str, int]:
        """Of these (sha256, size), the ones the backend lacks, with the bytes it holds."""
        body = self._call(
            "POST",
            "/files/missing",
            json={"files": [{"sha256": sha256, "size": size} for sha256, size in files]},
        )
        return {entry["sha256"]: int(entry["offset"]) for entry in body["missing"]}

    def upload_chunk(self, sha256: str, offset: int, length: int, data: bytes) -> int:
        """Send the bytes of a file from `offset`; the offset the backend holds afterwards. A
        chunk that does not start where the backend's copy ends is answered with its offset."""
        headers = {
            "Upload-Offset": str(offset),
            "Upload-Length": str(length),
            "Content-Type": "application/octet-stream",
        }
        try:
            response = self._http.patch(f"/files/{sha256}", content=data, headers=headers)
        except httpx.HTTPError as exc:
            reason = str(exc) or type(exc).__name__
            raise BackendUnreachableError(f"backend unreachable: {reason}") from exc
        if response.status_code == 409 and response.headers.get("upload-offset", "").isdigit():
            return int(response.headers["upload-offset"])
        self._raise_for(response)
        return int(response.json()["offset"])

    def publish_release(
        self, manifest: str, signature: str | None, key: str | None, channel: str
    ) -> tuple[bool, dict[str, Any]]:
        """(whether this call published it, the receipt); the same release again is not new."""
        body = {"manifest": manifest, "signature": signature, "key": key, "channel": channel}
        try:
            response = self._http.post("/releases", json=body)
        except httpx.HTTPError as exc:
            reason = str(exc) or type(exc).__name__
            raise BackendUnreachableError(f"backend unreachable: {reason}") from exc
        self._raise_for(response)
        return response.status_code == 201, response.json()

    def promote_release(self, name: str, version: int, channel: str) -> dict[str, Any]:
        return self._call("POST", f"/releases/{name}/{version}/promote", json={"channel": channel})

    def withdraw_release(self, name: str, version: int) -> dict[str, Any]:
        return self._call("POST", f"/releases/{name}/{version}/withdraw")

    def heartbeat(self, waiting: int) -> dict[str, Any]:
        return self._call("POST", "/heartbeat", json={"waiting": waiting, "version": __version__})

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> BackendClient:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()
