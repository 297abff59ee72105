"""The Android Enterprise provisioning payload: the JSON a device reads from an enrollment QR code.

Android's setup wizard parses the code's text as a JSON object of `PROVISIONING_*` extras
(booleans as JSON booleans, admin extras as a nested object). A template's `enrollment:`
section is validated by the template model; this module fills in per-device variables and
secrets and computes the DPC package checksum from a local APK.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.templates.model import Enrollment, Template
from app.templates.secrets import mask
from app.templates.variables import VariableError, render

if TYPE_CHECKING:
    from app.templates import LoadedTemplate
    from app.templates.secrets import SecretStore

EXTRA = "android.app.extra.PROVISIONING_"


class EnrollmentError(ValueError):
    """A payload that cannot be built; the message says what to fix and never holds a secret."""


def package_checksum(apk: Path) -> str:
    """URL-safe base64 of the file's SHA-256 without padding: Android's PACKAGE_CHECKSUM."""
    digest = hashlib.sha256()
    with apk.open("rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")


def payload_text(payload: Mapping[str, Any]) -> str:
    """The exact text a QR code carries: compact, ASCII-only JSON (no encoding doubts)."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=True)


class PayloadBuilder:
    """Builds per-device payloads for one template; a local DPC APK is hashed once, here."""

    def __init__(self, loaded: LoadedTemplate, secrets: SecretStore) -> None:
        template = loaded.template
        if template.enrollment is None:
            raise EnrollmentError(
                f"{loaded.path}: template '{template.name}' has no enrollment: section"
            )
        self.template: Template = template
        self.enrollment: Enrollment = template.enrollment
        self.secrets = secrets
        self._checksum_key, self._checksum = self._dpc_checksum(loaded)

    def _dpc_checksum(self, loaded: LoadedTemplate) -> tuple[str, str]:
        enrollment = self.enrollment
        if enrollment.dpc_signature_checksum:
            return "DEVICE_ADMIN_SIGNATURE_CHECKSUM", enrollment.dpc_signature_checksum
        if enrollment.dpc_package_checksum:
            return "DEVICE_ADMIN_PACKAGE_CHECKSUM", enrollment.dpc_package_checksum
        apk = loaded.resolve_path(enrollment.dpc_apk or "")
        try:
            return "DEVICE_ADMIN_PACKAGE_CHECKSUM", package_checksum(apk)
        except OSError as exc:
            raise EnrollmentError(
                f"enrollment.dpc_apk: cannot read {apk}: {exc.strerror or exc}"
            ) from None

    def variables(
        self, *, seq: int = 1, station: str = "", row: Mapping[str, str] | None = None
    ) -> dict[str, object]:
        """What `{name}` placeholders see for one code: template variables, seq, CSV columns."""
        variables: dict[str, object] = dict(self.template.variables)
        variables.update(seq=seq, station=station)
        variables.update(row or {})
        return variables

    def build(self, variables: Mapping[str, object]) -> dict[str, Any]:
        """The payload for one device, secrets filled in: never log or print it."""
        enrollment = self.enrollment
        payload: dict[str, Any] = {
            EXTRA + "DEVICE_ADMIN_COMPONENT_NAME": enrollment.dpc_component,
            EXTRA + "DEVICE_ADMIN_PACKAGE_DOWNLOAD_LOCATION": enrollment.dpc_download_url,
            EXTRA + self._checksum_key: self._checksum,
        }
        if enrollment.wifi is not None:
            wifi = enrollment.wifi
            payload[EXTRA + "WIFI_SSID"] = self._render("wifi.ssid", wifi.ssid, variables)
            payload[EXTRA + "WIFI_SECURITY_TYPE"] = wifi.security
            if wifi.password:
                payload[EXTRA + "WIFI_PASSWORD"] = self._render(
                    "wifi.password", wifi.password, variables
                )
            payload[EXTRA + "WIFI_HIDDEN"] = wifi.hidden
        optional = {
            "TIME_ZONE": enrollment.timezone,
            "LOCALE": enrollment.locale,
            "LEAVE_ALL_SYSTEM_APPS_ENABLED": enrollment.leave_system_apps,
            "SKIP_ENCRYPTION": enrollment.skip_encryption,
            "USE_MOBILE_DATA": enrollment.use_mobile_data,
        }
        payload.update({EXTRA + key: value for key, value in optional.items() if value is not None})
        if enrollment.admin_extras:
            payload[EXTRA + "ADMIN_EXTRAS_BUNDLE"] = self._render_tree(
                "admin_extras", enrollment.admin_extras, variables
            )
        return payload

    def label(self, variables: Mapping[str, object]) -> list[str]:
        """The human text printed under a code: what it is for, never a secret."""
        template = self.template
        title = f"{template.name} v{template.version}"
        if "site" in variables:
            title += f" · {variables['site']}"
        device = f"#{variables.get('seq', 1)}"
        if variables.get("asset"):
            device = f"Asset {variables['asset']}"
        lines = [title, device]
        if variables.get("serial"):
            lines.append(f"SN {variables['serial']}")
        wifi = self.enrollment.wifi
        if wifi is not None:
            try:
                ssid = render(wifi.ssid, variables, self.secrets)
            except VariableError:
                ssid = wifi.ssid
            lines.append(f"Wi-Fi {ssid}" + (" (hidden)" if wifi.hidden else ""))
        secret_values = self.secrets.values()
        return [mask(line, secret_values) for line in lines]

    def _render(self, where: str, text: str, variables: Mapping[str, object]) -> str:
        try:
            return render(text, variables, self.secrets)
        except VariableError as exc:
            raise EnrollmentError(f"enrollment.{where}: {exc}") from None

    def _render_tree(self, where: str, value: Any, variables: Mapping[str, object]) -> Any:
        if isinstance(value, str):
            return self._render(where, value, variables)
        if isinstance(value, Mapping):
            return {
                key: self._render_tree(f"{where}.{key}", item, variables)
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [
                self._render_tree(f"{where}[{index}]", item, variables)
                for index, item in enumerate(value)
            ]
        return value
