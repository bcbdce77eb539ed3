"""What went wrong between this machine and Google, in one Spanish line with the fix.

google-auth, requests, urllib3, httplib2 and ssl each wrap the same few failures
differently, and in English («Failed to resolve 'oauth2.googleapis.com'»,
«invalid_grant: Invalid JWT Signature.»). Every place where their exceptions enter
facultativo (the Sheets source, the Drive store, the Gmail and XOAUTH2 senders) asks
`explain` once, so the office reads the same line whichever door Google's failure
came through, and the service can tell an outage (retry) from a key that needs a
person.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Explained:
    """`text` says what happened and what to do; `outage` is true when nothing on this
    machine's side is wrong and waiting may be enough (the service keeps retrying
    either way: a key or a clock fixed later needs no restart)."""

    text: str
    outage: bool


NETWORK = (
    "revisa que este equipo tenga internet y que el proxy o el firewall dejen pasar "
    "*.googleapis.com"
)


def explain(exc: BaseException) -> Explained | None:
    """The line for a network or credentials failure; None when `exc` is neither."""
    refused = _refused(exc)
    if refused is not None:
        return refused
    chain = list(_chain(exc))
    names = {type(e).__name__ for e in chain}
    words = " ".join(str(e) for e in chain)
    if names & {"SSLError", "SSLCertVerificationError", "CertificateError"} or any(
        isinstance(e, ssl.SSLError) for e in chain
    ):
        return Explained(
            "la conexión segura con Google falló (certificado no válido): si la red de la escuela "
            "revisa el tráfico HTTPS, instala su certificado en este equipo y ponlo en "
            "REQUESTS_CA_BUNDLE; si no, revisa que la fecha y hora del equipo sean correctas",
            False,
        )
    if "407" in words or "Proxy Authentication Required" in words:
        return Explained(
            "el proxy pide usuario y contraseña: ponlos en HTTPS_PROXY "
            "(http://usuario:contraseña@proxy:puerto) en el entorno del servicio "
            "(/etc/facultativo/env)",
            False,
        )
    if "ProxyError" in names or "Unable to connect to proxy" in words:
        return Explained(
            "el proxy no deja pasar la conexión con Google: revisa HTTPS_PROXY en el entorno del "
            "servicio (/etc/facultativo/env) o pide que permitan *.googleapis.com",
            True,
        )
    if (
        any(isinstance(e, socket.gaierror) for e in chain)
        or "NameResolutionError" in names
        or "ServerNotFoundError" in names
        or "Failed to resolve" in words
        or "Name or service not known" in words
        or "Temporary failure in name resolution" in words
    ):
        return Explained(f"no se encuentra el servidor de Google (DNS): {NETWORK}", True)
    if names & {"ConnectTimeout", "ReadTimeout", "Timeout", "TimeoutError", "timeout"} or any(
        isinstance(e, TimeoutError | socket.timeout) for e in chain
    ):
        return Explained(f"Google no respondió a tiempo: {NETWORK}", True)
    if any(
        isinstance(e, ConnectionError | OSError)
        or type(e).__name__
        in {"ConnectionError", "TransportError", "HttpLib2Error", "RemoteDisconnected"}
        for e in chain
    ):
        return Explained(f"sin conexión con Google: {NETWORK}", True)
    return None


API_NAMES = {"sheets": "Google Sheets API", "drive": "Google Drive API", "gmail": "Gmail API"}


def api_disabled(payload: object) -> str | None:
    """The line for a 403 that means the API is not enabled in the key's Cloud project
    (Sheets says SERVICE_DISABLED in `details`, Drive accessNotConfigured in `errors`),
    which sharing the sheet would never fix; None for any other answer."""
    try:
        error = payload["error"]  # type: ignore[index]
        reasons = [e.get("reason") for e in error.get("errors", [])]
        details = error.get("details", [])
        reasons += [d.get("reason") for d in details]
        service = next((d.get("metadata", {}).get("service", "") for d in details), "")
        text = f"{service} {error.get('message', '')}".lower()
    except (KeyError, TypeError, AttributeError):
        return None
    if not {"accessNotConfigured", "SERVICE_DISABLED"} & set(reasons):
        return None
    api = next((name for key, name in API_NAMES.items() if key in text), "la API")
    return (
        f"{api} no está habilitada en el proyecto de Google Cloud de la llave: en la consola, "
        f"«APIs y servicios» → «Biblioteca», habilita {api} (facultativo usa Google Sheets API "
        "y Google Drive API) y espera unos minutos"
    )


def _refused(exc: BaseException) -> Explained | None:
    """Google answered, and said no to the credentials (google-auth's RefreshError)."""
    from google.auth.exceptions import GoogleAuthError, RefreshError, TransportError

    if not isinstance(exc, GoogleAuthError) or isinstance(exc, TransportError):
        return None
    if not isinstance(exc, RefreshError):
        return Explained(
            "no se pudieron usar las credenciales de Google; revisa la llave de [campus.google]",
            False,
        )
    detail = str(exc.args[0]) if exc.args else ""
    code, _, description = detail.partition(":")
    code, lowered = code.strip(), description.lower()
    if "iat" in lowered or "short-lived" in lowered or "timeframe" in lowered:
        return Explained(
            "Google rechazó la llave porque la hora de este equipo no es la correcta: "
            "sincroniza el reloj (p. ej. `timedatectl set-ntp true`) y espera al siguiente ciclo",
            False,
        )
    if "expired or revoked" in lowered:
        return Explained(
            "la autorización de Google venció o fue revocada: vuelve a ejecutar "
            "`facultativo auth --config …` con la cuenta de la oficina",
            False,
        )
    if code == "unauthorized_client":
        return Explained(
            "Google no deja a la cuenta de servicio actuar como el buzón de la oficina: en la "
            "consola de Google Workspace autoriza su ID de cliente (delegación de todo el "
            "dominio) con el permiso que pide este envío",
            False,
        )
    if code == "invalid_client":
        return Explained(
            "Google no reconoce el cliente de la llave (borrado o deshabilitado): descarga de "
            "nuevo el JSON en Google Cloud y reemplaza el archivo de credentials",
            False,
        )
    if code == "invalid_grant" or code == "":
        return Explained(
            "Google rechazó la llave de la cuenta de servicio (revocada, borrada, o la cuenta ya "
            "no existe): en Google Cloud, IAM → Cuentas de servicio → Claves, crea una llave "
            "nueva y reemplaza el archivo de credentials",
            False,
        )
    return Explained(
        f"Google rechazó las credenciales ({code[:40]}); revisa la llave de [campus.google]",
        False,
    )


def _chain(exc: BaseException | None) -> Iterator[BaseException]:
    """The exception, what it wraps (causes, contexts, urllib3's `reason`, exceptions
    carried in args), each once."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        inner = [e.__cause__, e.__context__, getattr(e, "reason", None), *getattr(e, "args", ())]
        todo += [i for i in inner if isinstance(i, BaseException)]
