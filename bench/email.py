"""Messages per second over one SMTP connection to a loopback server (aiosmtpd)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from facultativo.notifiers.compose import environment, to_message
from facultativo.notifiers.preview import samples
from facultativo.notifiers.smtp_session import SmtpSender
from tests.support import smtp_server as smtp


def run(messages: int = 500) -> dict:
    recorder = smtp.Recorder()
    controller = smtp.start(recorder, "plain")
    try:
        emails = [e for _, e in samples(environment())]
        sender = SmtpSender("127.0.0.1", controller.port, "none", timeout=10)
        prepared = []
        for i in range(messages):
            e = emails[i % len(emails)]
            msg = to_message(e, "Escolares <escolares@demo.example.mx>", "", datetime.now(UTC))
            del msg["Message-ID"]
            msg["Message-ID"] = f"<bench.{i}@facultativo>"
            prepared.append(msg)
        started = time.perf_counter()
        sender.open()
        for msg in prepared:
            sender.send(msg)
        sender.close()
        seconds = time.perf_counter() - started
    finally:
        controller.stop()
    return {
        "messages": messages,
        "received": len(recorder.messages),
        "per_second": round(messages / seconds, 1),
        "seconds": round(seconds, 2),
    }
