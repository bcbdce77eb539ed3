"""The SMTP session: one connection per cycle, STARTTLS or implicit TLS, login with an
app password (UTF-8 when it needs it) or XOAUTH2, explicit timeouts.

Reply codes decide what happens to a message: 4xx, timeouts and dropped connections are
transient (sent again next cycle); 5xx for a recipient is permanent (shown to staff in
the sheet). A connection lost mid-batch is reopened for the next message. What each
failure means is worded in smtp_failures.py; smtp.py builds this from [campus.mail].
"""

from __future__ import annotations

import base64
import smtplib
import ssl
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

from facultativo.errors.system import os_error
from facultativo.notifiers.base import Sender, SendError
from facultativo.notifiers.smtp_failures import (
    NO_AUTH,
    NON_ASCII,
    PORTS,
    connection_problem,
    explain_reply,
    session_problem,
)

SMTP_XOAUTH2 = "https://mail.google.com/"  # the scope Gmail's SMTP asks of an XOAUTH2 token


class SmtpSender(Sender):
    name = "smtp"

    def __init__(
        self,
        host: str,
        port: int,
        security: str = "starttls",
        username: str = "",
        password: str | Callable[[], str] = "",
        xoauth2: Callable[[], str] | None = None,
        timeout: float = 30.0,
        context: ssl.SSLContext | None = None,
        password_from: str = "",
        cafile: Path | None = None,
    ) -> None:
        self.host, self.port, self.security = host, port, security
        self.password_from = password_from  # where the password is kept, for the fix
        self.username, self.password, self.xoauth2 = username, password, xoauth2
        self.timeout = timeout
        self.context, self.cafile = context, cafile  # the context is made when first needed
        self.conn: smtplib.SMTP | None = None
        self._non_ascii = False  # the last login sent characters beyond ASCII (UTF-8)

    def open(self) -> None:
        """Connect, STARTTLS or TLS as configured, and log in. Every failure is a SendError
        with one Spanish line that says what to fix (`check --probar-correo` shows it as is)."""
        try:
            self.conn = self._connect()
        except smtplib.SMTPAuthenticationError as exc:
            if self.xoauth2 is not None:
                raise SendError(
                    f"el servidor {self.host} rechazó el token XOAUTH2 de «{self.username}» "
                    f"({exc.smtp_code}): revisa mailbox y la delegación de dominio de la cuenta "
                    f"de servicio (alcance {SMTP_XOAUTH2})"
                ) from None
            raise SendError(
                f"el servidor {self.host} rechazó el usuario «{self.username}» o la contraseña "
                f"de aplicación ({exc.smtp_code}): revisa username en [campus.mail] y la "
                f"contraseña{self.password_from}; con Gmail es una contraseña de aplicación "
                "(16 letras), no la de la cuenta" + (NON_ASCII if self._non_ascii else "")
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            why = session_problem(exc, self.host, self.timeout)
            raise SendError(f"no hay conexión con {self.host}:{self.port}: {why}") from None

    def _connect(self) -> smtplib.SMTP:
        if self.security == "ssl":
            conn: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=self._tls()
            )
        else:
            conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            conn.ehlo()
            if self.security == "starttls":
                if not conn.has_extn("starttls"):
                    raise SendError(self._lacks("STARTTLS", PORTS))
                conn.starttls(context=self._tls())
                conn.ehlo()
            if (self.xoauth2 is not None or self.username) and not conn.has_extn("auth"):
                raise SendError(self._lacks("AUTH (inicio de sesión)", NO_AUTH))
            self._login(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _tls(self) -> ssl.SSLContext:
        """The system's authorities, or [campus.mail] cafile's: read at the first connection,
        so a wrong cafile is a line in the log and in `check`, not a crash."""
        if self.context is None:
            try:
                self.context = ssl.create_default_context(cafile=self.cafile)
            except ssl.SSLError:
                raise SendError(
                    f"cafile {self.cafile} no tiene un certificado PEM («-----BEGIN "
                    "CERTIFICATE-----»): revisa cafile en [campus.mail]"
                ) from None
            except OSError as exc:
                raise SendError(
                    f"cafile {self.cafile}: {os_error(exc)}; revisa cafile en [campus.mail]"
                ) from None
        return self.context

    def _lacks(self, what: str, fix: str) -> str:
        return f"el servidor {self.host}:{self.port} no ofrece {what}: {fix}"

    def _login(self, conn: smtplib.SMTP) -> None:
        if self.xoauth2 is not None:
            token = self.xoauth2()
            raw = f"user={self.username}\1auth=Bearer {token}\1\1"
            code, reply = conn.docmd("AUTH", "XOAUTH2 " + base64.b64encode(raw.encode()).decode())
            if code != 235:
                raise smtplib.SMTPAuthenticationError(code, reply)
        elif self.username:
            password = self.password() if callable(self.password) else self.password
            self._non_ascii = not (self.username + password).isascii()
            if self._non_ascii:
                self._login_utf8(conn, password)
            else:
                conn.login(self.username, password)

    def _login_utf8(self, conn: smtplib.SMTP, password: str) -> None:
        """smtplib encodes AUTH in ASCII; a username or password with ñ or accents goes as
        UTF-8 (RFC 4616 for PLAIN, what servers that allow it expect for LOGIN too). A server
        that refuses it answers 535, worded in `open` with what to check."""

        def b64(text: str) -> str:
            return base64.b64encode(text.encode("utf-8")).decode("ascii")

        offered = conn.esmtp_features.get("auth", "").upper().split()
        if "PLAIN" in offered:
            code, reply = conn.docmd("AUTH", "PLAIN " + b64(f"\x00{self.username}\x00{password}"))
        elif "LOGIN" in offered:
            code, reply = conn.docmd("AUTH", "LOGIN " + b64(self.username))
            if code == 334:
                code, reply = conn.docmd(b64(password))
        else:
            raise SendError(
                f"el servidor {self.host} solo acepta contraseñas en ASCII (CRAM-MD5) y el "
                f"usuario o la contraseña{self.password_from} tienen ñ, acentos u otros "
                "caracteres fuera de ASCII: usa una contraseña solo con letras sin acento, "
                "números y signos"
            )
        if code != 235:
            raise smtplib.SMTPAuthenticationError(code, reply)

    def send(self, message: EmailMessage) -> None:
        if self.conn is None:
            self.open()  # the previous message lost the connection
        assert self.conn is not None
        try:
            self.conn.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            text, relay = explain_reply(code, reply, "RCPT")
            raise SendError(text, transient=code < 500, relay=relay) from None
        except smtplib.SMTPSenderRefused as exc:  # MAIL FROM: the relay's setup, not the address
            self._drop_if_closing(exc.smtp_code)
            text, _ = explain_reply(exc.smtp_code, exc.smtp_error, "MAIL")
            raise SendError(text, relay=True) from None
        except smtplib.SMTPDataError as exc:
            self._drop_if_closing(exc.smtp_code)
            text, relay = explain_reply(exc.smtp_code, exc.smtp_error, "DATA")
            raise SendError(text, transient=exc.smtp_code < 500, relay=relay) from None
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPResponseException, OSError) as exc:
            self.conn = None
            raise self._cut(exc) from None

    def probe(self, from_address: str) -> str:
        """For `check --probar-correo`, after `open` (which logged in): MAIL FROM the
        campus's address, then RSET (no RCPT, no DATA: nothing is sent), so a server that
        will not take mail from this account or address says so now, not at the first
        student's email."""
        assert self.conn is not None
        if from_address:
            try:
                code, reply = self.conn.mail(from_address)
                if code != 250:
                    raise SendError(explain_reply(code, reply, "MAIL")[0], relay=True)
                self.conn.rset()
            except (smtplib.SMTPException, OSError) as exc:
                raise self._cut(exc) from None
        who = f" como {self.username}" if self.username else ""
        done = "inició sesión" if who else "se conectó"
        accepts = f"; acepta enviar desde {from_address}" if from_address else ""
        return f"{done} en {self.host}:{self.port} ({self.security}){who}{accepts}"

    def _cut(self, exc: BaseException) -> SendError:
        """The connection dropped mid-conversation: transient, the message goes next cycle."""
        return SendError(f"se cortó la conexión con {self.host} ({connection_problem(exc)})")

    def _drop_if_closing(self, code: int) -> None:
        if code == 421:  # the server is closing the channel
            self.close()

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except (smtplib.SMTPException, OSError):
                self.conn.close()
            self.conn = None
