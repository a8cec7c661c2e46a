"""Helpers of the editorial tests: CSRF-honest form posts, accounts, a real SMTP server."""

from __future__ import annotations

import re
import threading
from email import message_from_bytes
from email.message import Message

from aiosmtpd.controller import Controller
from sqlalchemy.orm import Session

from explorer.db.models import Binding
from explorer.editorial.accounts import add_user

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "a long test password"


def csrf(client, path: str) -> str:
    page = client.get(path)
    found = TOKEN.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {path} ({page.status_code})"
    return found.group(1)


def post(client, path: str, data: dict, form_page: str | None = None, **kwargs):
    """POST like a browser: first GET the page with the form for its CSRF token."""
    token = csrf(client, form_page or path)
    return client.post(path, data={**data, "csrf_token": token}, **kwargs)


def account(app, email: str, role: str, places: tuple[str, ...] = ()) -> str:
    with Session(app.extensions["db"]) as session, session.begin():
        user = add_user(session, email, role, PASSWORD)
        for pid in places:
            session.add(Binding(user_id=user.id, place_id=pid))
    return email


def login(client, email: str, password: str = PASSWORD):
    return post(client, "/login", {"email": email, "password": password})


class Mailbox:
    def __init__(self):
        self.messages: list[Message] = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        with self.arrived:
            self.messages.append(message_from_bytes(envelope.content))
            self.arrived.notify_all()
        return "250 OK"

    def wait(self, count: int = 1, timeout: float = 10) -> list[Message]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.messages) >= count, timeout)
        return self.messages


def start_smtp() -> tuple[Controller, Mailbox]:
    from conftest import free_port

    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller, box
