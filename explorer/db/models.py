"""Tables of the editorial database (SQLAlchemy 2 declarative; migrations in Alembic).

A place and each of its offers are separate records, so a provider's offer edit is
reviewed, versioned and reverted on its own. Each record's ``data`` is the JSON of the
``geodata`` format (a place keeps ``"offers": []`` where its offers go, so an export
writes the keys in their authored order).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

PLACE, OFFER = "place", "offer"
ROLES = ("provider", "editor", "admin")
STATES = ("draft", "submitted", "approved", "rejected")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class DataState(Base):
    """One row: the published data's version, raised by every publish in its transaction."""

    __tablename__ = "data_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


class Record(Base):
    __tablename__ = "records"
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    id: Mapped[str] = mapped_column(String(160), primary_key=True)
    place_id: Mapped[str | None] = mapped_column(String(160), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    data: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    seq: Mapped[int] = mapped_column(Integer, index=True)  # data version of its last write
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    changed_by: Mapped[str] = mapped_column(String(254))


class Revision(Base):
    """A published change: who, when, why, which fields (before/after), the whole record."""

    __tablename__ = "revisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(8))
    record_id: Mapped[str] = mapped_column(String(160), index=True)
    version: Mapped[int] = mapped_column(Integer)
    data: Mapped[str] = mapped_column(Text)
    changes: Mapped[str] = mapped_column(Text)  # JSON [[field, before, after], ...]
    author: Mapped[str] = mapped_column(String(254))
    reason: Mapped[str | None] = mapped_column(Text)
    submission_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Binding(Base):
    """A provider account may edit these places (and their offers)."""

    __tablename__ = "bindings"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    place_id: Mapped[str] = mapped_column(String(160), primary_key=True)


class Submission(Base):
    """A proposed change waiting for review: a draft or suggestion, then its decision."""

    __tablename__ = "submissions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(8))  # place | offer | report
    target_id: Mapped[str | None] = mapped_column(String(160))
    place_id: Mapped[str | None] = mapped_column(String(160), index=True)
    data: Mapped[str | None] = mapped_column(Text)  # the proposed record (JSON)
    base_version: Mapped[int | None] = mapped_column(Integer)  # 0: a new record
    message: Mapped[str | None] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(String(254))
    state: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    reviewed_by: Mapped[str | None] = mapped_column(String(254))
