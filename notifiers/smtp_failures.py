"""What an SMTP server's refusals and a failed connection mean, in Spanish, with the fix.

smtplib's and OpenSSL's own words never reach the log, the sheet or `check`: a reply
code is explained (with the server's text only as the detail after it), a socket or
TLS failure says what to check in [campus.mail]. The session (smtp_session.py) raises
these lines as SendError.
"""

from __future__ import annotations

import errno
import re
import smtplib
import socket
import ssl

from facultativo.errors.system import os_error
from facultativo.validators.text import clip


def _reply(code: int, reply: bytes | str) -> str:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    return clip(f"{code} {' '.join(text.split())}", 200)


_ENHANCED = re.compile(r"^([245]\.\d{1,3}\.\d{1,3})\s*")
_RELAY = (
    "el servidor no deja enviar desde esta cuenta o dirección (relay): revisa username, from "
    "y security en [campus.mail], o pide a quien administra el correo que lo permita"
)
_AUTH = (
    "el servidor pide iniciar sesión antes de enviar: revisa auth, username y security en "
    "[campus.mail] (muchos solo aceptan la contraseña después de STARTTLS, en el 587 con "
    '"starttls")'
)
_POLICY = (
    "el servidor rechazó el correo por sus políticas (remitente no autorizado, SPF/DKIM o "
    "filtro de spam): revisa from en [campus.mail] con quien administra el servidor de correo"
)
_NO_MAILBOX = (
    "la dirección no existe en el servidor de correo del destinatario: revisa que esté bien escrita"
)
_FULL = "el buzón del destinatario está lleno"
_SIZE = "el correo es más grande de lo que acepta el servidor"
_REFUSED = (
    "el servidor rechazó el correo (554, transacción fallida): revisa con quien administra el "
    "servidor de correo"
)


def explain_reply(code: int, reply: bytes | str, stage: str = "") -> tuple[str, bool]:
    """A refusal the server answered, as (line, relay): the common 5xx explained in Spanish,
    with the code and a short quote of the server's own text only as the detail after it
    (the rest, and every 4xx, the code and the text as they came). `relay`: the refusal is
    the server's about this account or machine (IT's to fix), not about one address.
    `stage`: "MAIL", "RCPT" or "DATA"."""
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    text = " ".join(text.split())
    found = _ENHANCED.match(text)
    enhanced = found[1] if found else ""
    said = text[found.end() :] if found else text
    lowered = said.lower()
    spanish, relay = "", False
    if code >= 500:
        if "relay" in lowered:
            spanish, relay = _RELAY, True
        elif code == 530 or enhanced in ("5.7.0", "5.7.8") or "authentication required" in lowered:
            spanish, relay = _AUTH, True
        elif enhanced.startswith("5.7."):
            spanish, relay = _POLICY, True
        elif enhanced == "5.2.2" or "quota" in lowered or "mailbox full" in lowered:
            spanish = _FULL
        elif code == 552 or enhanced == "5.3.4" or "size" in lowered or "too large" in lowered:
            spanish = _SIZE
        elif stage == "RCPT" and (enhanced.startswith("5.1.") or code in (550, 551, 553)):
            spanish = _NO_MAILBOX
        elif code == 554:
            spanish = _REFUSED
    if not spanish:
        return _reply(code, reply), relay
    detail = f"{code}{f' {enhanced}' if enhanced else ''}" + (
        f": «{clip(said, 80)}»" if said else ""
    )
    return f"{spanish} ({detail})", relay


def session_problem(exc: BaseException, host: str, timeout: float) -> str:
    """What went wrong talking to the server at `host`, in Spanish, with the fix: smtplib's
    and OpenSSL's own words never reach the log or `check`."""
    if isinstance(exc, smtplib.SMTPServerDisconnected) and isinstance(exc.__context__, OSError):
        exc = exc.__context__  # smtplib's word for a read that timed out or failed
    if isinstance(exc, ssl.SSLCertVerificationError):
        return _CERTIFICATE.get(exc.verify_code, _CERTIFICATE[0]).format(host=host)
    if isinstance(exc, ssl.SSLError):
        return f"no se pudo establecer TLS; {PORTS}"
    if isinstance(exc, socket.timeout | TimeoutError):
        return (
            f"el servidor no respondió en {timeout:g} s: revisa host y port, que el "
            f"firewall deje salir a ese puerto y que security corresponda al puerto {_PAIRS}"
        )
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"el servidor cerró la conexión; {PORTS}"
    if isinstance(exc, smtplib.SMTPResponseException):
        line, _ = explain_reply(exc.smtp_code, exc.smtp_error)
        return line if not line[:1].isdigit() else f"el servidor respondió {line}"
    if isinstance(exc, smtplib.SMTPException):  # login: no mechanism smtplib speaks
        return (
            "el servidor no acepta usuario y contraseña (PLAIN, LOGIN ni CRAM-MD5); "
            'con Gmail o Microsoft 365 sin contraseñas de aplicación usa auth = "xoauth2"'
        )
    return connection_problem(exc)


def connection_problem(exc: BaseException) -> str:
    """A socket or OS failure (timeout, DNS, refused, reset, no route) as one Spanish line."""
    if isinstance(exc, socket.timeout | TimeoutError):
        return "tiempo de espera agotado"
    if isinstance(exc, socket.gaierror):
        return "no se encontró el servidor (DNS): revisa host"
    if isinstance(exc, ConnectionRefusedError):
        return "el servidor rechazó la conexión: revisa host y port"
    if isinstance(exc, ConnectionResetError | BrokenPipeError):
        return f"el servidor cortó la conexión; {PORTS}"
    if isinstance(exc, OSError) and exc.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return "no hay ruta hacia el servidor: revisa host y la red de esta máquina"
    if isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException):
        return os_error(exc)
    return f"error inesperado ({type(exc).__name__})"


NON_ASCII = (
    "; el usuario o la contraseña tienen ñ, acentos u otros caracteres fuera de ASCII, que "
    "muchos servidores no aceptan (se enviaron en UTF-8): las contraseñas de aplicación de "
    "Gmail solo usan letras a-z; cópiala de nuevo"
)
_PAIRS = '(587 con "starttls", 465 con "ssl")'
PORTS = f"revisa security y port {_PAIRS}"
NO_AUTH = (
    'si este servidor no pide contraseña, usa auth = "none"; si la pide, revisa security '
    "y port (muchos solo ofrecen AUTH después de STARTTLS, en el 587)"
)
_CA = "si el servidor usa una autoridad propia, indica su certificado con cafile en [campus.mail]"
_CERTIFICATE = {  # OpenSSL's verify codes (X509_V_ERR_*)
    0: f"el certificado del servidor no es válido; {_CA}",
    9: "el certificado del servidor aún no es válido: revisa la fecha y hora de esta máquina",
    10: "el certificado del servidor venció: avisa a quien administra el servidor de correo",
    18: f"el certificado del servidor es autofirmado; {_CA}",
    19: f"el certificado del servidor es de una autoridad desconocida; {_CA}",
    20: f"el certificado del servidor es de una autoridad desconocida; {_CA}",
    21: f"el certificado del servidor es de una autoridad desconocida; {_CA}",
    62: (
        "el certificado del servidor no es para «{host}»: escribe en host el nombre que "
        "dice su certificado (p. ej. smtp.gmail.com, no una dirección IP)"
    ),
}
