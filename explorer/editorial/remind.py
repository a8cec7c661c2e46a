"""``explorer remind``: e-mail each provider the records of theirs that need a check."""

from __future__ import annotations

import sys

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db.models import User
from . import workflow
from .mail import MailError, send_mail


def reminder_text(user: User, stale: list, base_url: str, months: int) -> tuple[str, str]:
    lines = [f"Guten Tag,\n\ndiese Einträge wurden seit über {months} Monaten nicht geprüft. "
             "Bitte bestätigen Sie sie („Noch aktuell“) oder korrigieren Sie sie:\n"]
    for kind, rid, _place, checked in stale:
        path = f"/edit/place/{rid}" if kind == "place" else f"/edit/offer/{rid}"
        lines.append(f"- {'Lernort' if kind == 'place' else 'Angebot'} {rid} "
                     f"(zuletzt geprüft: {checked or 'nie'}): {base_url}{path}")
    lines.append(f"\nÜbersicht: {base_url}/edit/\n\nMINT-Lernorte Bochum")
    return f"Bitte prüfen: {len(stale)} Einträge – MINT-Lernorte Bochum", "\n".join(lines)


@click.command("remind")
@click.option("--dry-run", is_flag=True, help="Print who would get which list; send nothing.")
def remind(dry_run: bool) -> None:
    """Remind providers of their records not checked for STALE_MONTHS months."""
    from .cli import _engine, _settings

    s = _settings()
    base = (s["PUBLIC_URL"] or f"http://{s['HOST']}:{s['PORT']}").rstrip("/")
    failed = 0
    with Session(_engine(s)) as session:
        providers = session.execute(select(User).where(User.role == "provider",
                                                       User.active.is_(True))
                                    .order_by(User.email)).scalars()
        for user in providers:
            stale = workflow.stale(session, s["STALE_MONTHS"],
                                   places=workflow.bound_places(session, user))
            if not stale:
                continue
            subject, body = reminder_text(user, stale, base, s["STALE_MONTHS"])
            if dry_run:
                click.echo(f"would mail {user.email}: {len(stale)} record(s)")
                for kind, rid, _p, checked in stale:
                    click.echo(f"  {kind} {rid} checked {checked or 'never'}")
                continue
            try:
                send_mail(s, user.email, subject, body)
                click.echo(f"mailed {user.email}: {len(stale)} record(s)")
            except MailError as exc:
                failed += 1
                click.echo(f"ERROR {user.email}: {exc}", err=True)
    sys.exit(1 if failed else 0)
