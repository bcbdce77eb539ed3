"""Google credentials: a service account (the common case) or OAuth user credentials.

Service account: the responses sheet and the Form's upload folder are shared
with its email. OAuth user: for offices without a Cloud project of their own;
`facultativo auth` runs the installed-app flow once and caches the token with
0600 permissions. Scopes are the least needed: edit spreadsheets, read Drive.
"""

from __future__ import annotations

import errno
import json
import logging
import os
from datetime import datetime
from pathlib import Path

from google.auth.credentials import Credentials
from google.auth.exceptions import GoogleAuthError
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account

from facultativo.errors import OperationalError
from facultativo.google_api.failures import explain
from facultativo.settings.secrets import warn_if_readable_by_others

GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
SCOPES = [
    "https://www.googleapis.com/auth/spreadsheets",
    "https://www.googleapis.com/auth/drive.readonly",
]
log = logging.getLogger("facultativo.google")


class AuthError(OperationalError):
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


class NotNeeded(AuthError):
    """The credentials file needs no `facultativo auth` (a service-account key)."""


def run_installed_flow(
    client_secret: Path,
    token: Path,
    open_browser: bool = True,
    browser: str | None = None,
    scopes: list[str] | None = None,
) -> Path:
    """Ask the user to authorize once in a browser; store the token readable only by them.
    Every failure is an AuthError with one Spanish line and its fix."""
    import webbrowser

    import requests
    from google_auth_oauthlib.flow import InstalledAppFlow
    from oauthlib.oauth2.rfc6749.errors import OAuth2Error  # type: ignore[import-untyped]

    info = _read_json(client_secret)
    if info.get("type") == "service_account":
        raise NotNeeded(
            f"{client_secret} es una llave de cuenta de servicio: no necesita `facultativo "
            "auth`; comparte la hoja y la carpeta de archivos con su correo (client_email) y "
            "ejecuta `facultativo check`."
        )
    try:
        flow = InstalledAppFlow.from_client_config(info, scopes=scopes or SCOPES)
    except ValueError:  # google-auth-oauthlib's words are English
        raise AuthError(
            f"{client_secret}: no es un cliente OAuth de escritorio; en Google Cloud crea un "
            "«ID de cliente de OAuth» de tipo «App de escritorio» y descarga su JSON."
        ) from None
    try:
        creds = flow.run_local_server(
            port=0,
            open_browser=open_browser,
            browser=browser,
            authorization_prompt_message="Abre esta dirección para autorizar facultativo: {url}",
            success_message="Listo: facultativo ya puede leer la hoja. Puedes cerrar esta ventana.",
        )
    except OAuth2Error as exc:
        raise AuthError(_refused_flow(exc, client_secret)) from None
    except webbrowser.Error:
        raise AuthError(
            "no hay un navegador en este equipo: ejecuta `facultativo auth --no-browser` y abre "
            "la dirección que muestra en un navegador de este mismo equipo (o por un túnel "
            "`ssh -L` al puerto que indica)."
        ) from None
    except (GoogleAuthError, requests.RequestException) as exc:
        known = explain(exc)
        why = known.text if known else f"error inesperado ({type(exc).__name__})"
        raise AuthError(f"no se completó la autorización; {why}.") from None
    except OSError as exc:
        raise AuthError(
            "no se pudo abrir el puerto local que recibe la respuesta de Google "
            f"({errno.errorcode.get(exc.errno or 0, 'sin código')}): vuelve a ejecutar "
            "`facultativo auth`."
        ) from None
    fd = os.open(token, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(creds.to_json())
    os.chmod(token, 0o600)
    return token


def _refused_flow(exc: BaseException, client_secret: Path) -> str:
    """oauthlib's refusals (the person, Google's token endpoint, the client file), each as
    what happened and what to do."""
    again = "vuelve a ejecutar `facultativo auth`"
    code = str(getattr(exc, "error", "") or "")
    if code == "access_denied":
        return (
            "no se autorizó: en la página de Google se eligió «Cancelar» o la cuenta no tiene "
            f"acceso a la app; {again} y elige «Permitir» con la cuenta de la oficina (si la "
            "app está en modo de prueba, agrega esa cuenta como usuario de prueba en la "
            "pantalla de consentimiento de OAuth)."
        )
    if code == "invalid_client":
        return (
            f"Google no reconoce el cliente OAuth de {client_secret} (borrado, deshabilitado o "
            "con otro client_secret): en Google Cloud, «APIs y servicios» → «Credenciales», "
            "descarga de nuevo el JSON del «ID de cliente de OAuth» de tipo «App de "
            "escritorio» y reemplaza el archivo."
        )
    if code == "invalid_grant":
        return (
            "Google no aceptó el código de autorización (venció, ya se usó, o la hora de este "
            f"equipo no es la correcta): revisa el reloj (`timedatectl`) y {again}."
        )
    if code == "insecure_transport":
        return (
            f"{client_secret}: auth_uri o token_uri usan http:// y la autorización solo viaja "
            "por https: descarga de nuevo el JSON del cliente en Google Cloud y cópialo sin "
            "editarlo."
        )
    if code == "mismatching_state":
        return (
            "la respuesta que llegó del navegador es de otra autorización (un enlace anterior): "
            f"{again} y abre el enlace nuevo."
        )
    shown = f" ({code[:40]})" if code else ""
    return (
        f"Google rechazó la autorización{shown}: {again}; si se repite, descarga de nuevo el "
        "JSON del cliente OAuth en Google Cloud."
    )
