"""Accounts: hashed passwords (werkzeug's scrypt), roles, reset tokens (itsdangerous).

A reset token is signed with the app's key and bound to the account's current password
hash, so it stops working once used (the hash changes) or after an hour.
"""

from __future__ import annotations

import re

from flask_login import UserMixin
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..db.models import ROLES, User

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 10
RESET_MAX_AGE = 3600
# Compared against when an address is unknown, so a login takes as long either way.
_DUMMY_HASH = generate_password_hash("not a password of anybody")


class AccountError(ValueError):
    pass


class CurrentUser(UserMixin):
    """What Flask-Login keeps per request: a detached copy of the account row."""

    def __init__(self, user: User):
        self.row = user
        self.user_id = user.id
        # The session names the password too: a reset ends every older login.
        self.id = f"{user.id}:{user.password_hash[-12:]}"
        self.email, self.role = user.email, user.role

    @property
    def is_editor(self) -> bool:
        return self.role in ("editor", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def normal_email(email: str) -> str:
    email = (email or "").strip().lower()
    if not EMAIL.match(email) or len(email) > 254:
        raise AccountError(f"{email!r} is not an e-mail address")
    return email


def check_new_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"the password needs at least {MIN_PASSWORD} characters")


def by_email(session: Session, email: str) -> User | None:
    return session.execute(select(User).where(func.lower(User.email) == email.strip().lower())
                           ).scalar_one_or_none()


def add_user(session: Session, email: str, role: str, password: str,
             name: str | None = None) -> User:
    email = normal_email(email)
    if role not in ROLES:
        raise AccountError(f"role {role!r} is not one of {', '.join(ROLES)}")
    check_new_password(password)
    if by_email(session, email) is not None:
        raise AccountError(f"an account for {email} exists already")
    user = User(email=email, name=name, role=role, active=True,
                password_hash=generate_password_hash(password))
    session.add(user)
    session.flush()
    return user


def set_password(user: User, password: str) -> None:
    check_new_password(password)
    user.password_hash = generate_password_hash(password)


def authenticate(session: Session, email: str, password: str) -> User | None:
    user = by_email(session, email or "")
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    return user if check_password_hash(user.password_hash, password or "") else None


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="password-reset")


def reset_token(secret: str, user: User) -> str:
    return _serializer(secret).dumps({"u": user.id, "h": user.password_hash[-16:]})


def user_for_token(session: Session, secret: str, token: str) -> User | None:
    try:
        data = _serializer(secret).loads(token, max_age=RESET_MAX_AGE)
    except (SignatureExpired, BadSignature):
        return None
    user = session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.active or user.password_hash[-16:] != data.get("h"):
        return None
    return user
