"""Google credentials: a service account (the common case) or OAuth user credentials.

Service account: the responses sheet and the Form's upload folder are shared
with its email. OAuth user: for offices without a Cloud project of their own;
`facultativo auth` runs the installed-app flow once and caches the token with
0600 permissions. Scopes are the least needed: edit spreadsheets, read Drive.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime
from pathlib import Path

from google.auth.credentials import Credentials
from google.auth.exceptions import GoogleAuthError
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account

from facultativo.settings.secrets import warn_if_readable_by_others

GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
SCOPES = [
    "https://www.googleapis.com/auth/spreadsheets",
    "https://www.googleapis.com/auth/drive.readonly",
]
log = logging.getLogger("facultativo.google")


class AuthError(Exception):
    """Credentials cannot be used; the message names the file and the fix."""


def load_credentials(
    path: Path,
    token: Path | None = None,
    scopes: list[str] | None = None,
    subject: str | None = None,
) -> Credentials:
    """Credentials from a service-account key, or a client secret plus its cached token.

    `subject` makes a service account act as that mailbox (domain-wide delegation),
    for sending mail as the office."""
    scopes = scopes or SCOPES
    info = _read_json(path)
    warn_if_readable_by_others(path)
    kind = info.get("type") or ("installed" if "installed" in info or "web" in info else "")
    if kind == "service_account":
        try:
            return service_account.Credentials.from_service_account_info(
                info, scopes=scopes, subject=subject or None
            )
        except (ValueError, KeyError) as exc:
            raise AuthError(f"{path}: {_key_problem(exc)}") from None
    if kind == "authorized_user":
        return _user(info, path, scopes)
    if kind == "installed":
        token = token or path.with_name("token.json")
        if not token.exists():
            raise AuthError(
                f"falta el token de {path}: ejecuta `facultativo auth --config ...` una vez "
                "para autorizar con tu cuenta de Google."
            )
        return _user(_read_json(token), token, scopes)
    raise AuthError(
        f"{path}: no es una llave de cuenta de servicio ni un cliente OAuth "
        '(busca "type": "service_account" o "installed").'
    )


def service_account_email(creds: Credentials) -> str | None:
    return getattr(creds, "service_account_email", None)


def _user(info: dict, path: Path, scopes: list[str]) -> Credentials:
    """OAuth user credentials that keep the token_uri of their JSON (google-auth's
    from_authorized_user_info always points refreshes at Google's own endpoint)."""
    missing = [k for k in ("refresh_token", "client_id", "client_secret") if not info.get(k)]
    if missing:
        raise AuthError(
            f"{path}: al token le falta {', '.join(missing)}; vuelve a `facultativo auth`."
        )
    expiry = info.get("expiry")
    try:
        when = (
            datetime.strptime(expiry.rstrip("Z").split(".")[0], "%Y-%m-%dT%H:%M:%S")
            if (expiry)
            else None
        )
    except ValueError:
        when = None
    return user_credentials.Credentials(
        token=info.get("token"),
        refresh_token=info["refresh_token"],
        token_uri=info.get("token_uri") or GOOGLE_TOKEN_URI,
        client_id=info["client_id"],
        client_secret=info["client_secret"],
        scopes=scopes,
        expiry=when,
    )


def _key_problem(exc: BaseException) -> str:
    """google-auth's and cryptography's English, as what to do about the key."""
    text = str(exc)
    if "missing fields" in text:
        fields = text.split("missing fields", 1)[1].strip(" .")
        return (
            f"a la llave de la cuenta de servicio le faltan campos ({fields}): descarga de nuevo "
            "el JSON completo en Google Cloud (IAM → Cuentas de servicio → Claves)."
        )
    return (
        "la llave privada (private_key) de la cuenta de servicio está dañada o recortada: "
        "descarga una llave nueva en Google Cloud (IAM → Cuentas de servicio → Claves) y "
        "copia el archivo sin editarlo."
    )


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AuthError(f"no existe el archivo de credenciales {path}.") from None
    except json.JSONDecodeError as exc:
        raise AuthError(
            f"{path}: no es un JSON válido (línea {exc.lineno}, columna {exc.colno}): descárgalo "
            "de nuevo de Google Cloud y cópialo sin editarlo."
        ) from None
    except UnicodeDecodeError:
        raise AuthError(f"{path}: no es un archivo de texto JSON (¿es otro archivo?).") from None
    except PermissionError:
        raise AuthError(
            f"{path}: sin permiso de lectura para este usuario; revisa dueño y grupo del archivo."
        ) from None
    except OSError:
        raise AuthError(
            f"{path}: no se puede leer (¿es una carpeta o un disco fallando?)."
        ) from None
    if not isinstance(data, dict):
        raise AuthError(f"{path}: no es un JSON de credenciales.")
    return data


def run_installed_flow(
    client_secret: Path,
    token: Path,
    open_browser: bool = True,
    browser: str | None = None,
    scopes: list[str] | None = None,
) -> Path:
    """Ask the user to authorize once in a browser; store the token readable only by them."""
    from google_auth_oauthlib.flow import InstalledAppFlow

    try:
        flow = InstalledAppFlow.from_client_secrets_file(
            str(client_secret), scopes=scopes or SCOPES
        )
        creds = flow.run_local_server(
            port=0,
            open_browser=open_browser,
            browser=browser,
            authorization_prompt_message="Abre esta dirección para autorizar facultativo: {url}",
            success_message="Listo: facultativo ya puede leer la hoja. Puedes cerrar esta ventana.",
        )
    except ValueError:  # google-auth-oauthlib's words are English
        raise AuthError(
            f"{client_secret}: no es un cliente OAuth de escritorio; en Google Cloud crea un "
            "«ID de cliente de OAuth» de tipo «App de escritorio» y descarga su JSON."
        ) from None
    except (GoogleAuthError, OSError) as exc:
        raise AuthError(f"no se completó la autorización ({type(exc).__name__}).") from None
    fd = os.open(token, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(creds.to_json())
    os.chmod(token, 0o600)
    return token
