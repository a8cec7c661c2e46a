"""Outgoing e-mail over SMTP (password resets, reminders, decisions on suggestions)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from typing import Any


class MailError(RuntimeError):
    pass


def mail_configured(config: dict[str, Any]) -> bool:
    return bool(config.get("MAIL_SERVER"))


def send_mail(config: dict[str, Any], to: str, subject: str, body: str) -> None:
    """Send one plain-text message; raises MailError with the reason on any failure."""
    if not mail_configured(config):
        raise MailError("no MAIL_SERVER is set")
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = config["MAIL_FROM"], to, subject
    message.set_content(body)
    security = (config.get("MAIL_SECURITY") or "none").lower()
    host, port = config["MAIL_SERVER"], int(config["MAIL_PORT"])
    try:
        if security == "ssl":
            smtp = smtplib.SMTP_SSL(host, port, timeout=15,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(host, port, timeout=15)
        with smtp:
            if security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"{host}:{port}: {exc}") from exc
