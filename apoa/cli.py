"""`flask apoa …`: reference and demo data, and maintenance commands."""

from __future__ import annotations

import smtplib
import sqlite3
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext
from redis import Redis
from rq import Queue, Worker
from tqdm import tqdm

from apoa import clock
from apoa.accounts.models import Role, User
from apoa.accounts.passwords import hash_password
from apoa.accounts.services import normalise_username, temporary_password
from apoa.alerts.services import raise_due_alerts
from apoa.audit.services import record_event
from apoa.compliance.rebuild import rebuild_all
from apoa.devdata.demo import seed_demo_accounts, seed_demo_reports
from apoa.devdata.generate import generate
from apoa.extensions import db
from apoa.geocoding.batch import geocode_all, geocode_pending
from apoa.geocoding.queue import QUEUE_NAME
from apoa.geocoding.services import get_geocoder
from apoa.mail import MailNotConfigured, mail_sender
from apoa.maps import cells
from apoa.operations.backup import RestoreRefused, backup, restore
from apoa.regions.loading import load_offices, load_regions
from apoa.regions.routing import check_jurisdictions, uncovered_districts
from apoa.reminders.services import iter_reminders, send_reminders


@click.group("apoa")
def apoa_cli() -> None:
    """apoa maintenance commands."""


@apoa_cli.command("load-reference")
@with_appcontext
def load_reference() -> None:
    """Load regions and immigration offices (idempotent)."""
    regions = load_regions()
    offices = load_offices()
    db.session.commit()
    click.echo(f"regions: {regions} added; offices: {offices} added")


@apoa_cli.command("seed-demo")
@click.option("--force", is_flag=True, help="Allow in production (never do this on real data).")
@with_appcontext
def seed_demo(force: bool) -> None:
    """Create demo accounts and a demo hotel with guests once; print the sign-in details."""
    if current_app.config.get("ENV_NAME") == "production" and not force:
        raise click.ClickException("demo accounts are for development only")
    now = clock.now()
    logins = seed_demo_accounts(now=now)
    db.session.commit()
    if seed_demo_reports(now=now, geocoder=get_geocoder()):
        db.session.commit()
        click.echo("Demo lodgings and guests reported for hotel.legian.")
    click.echo(f"Demo sign-ins (also in {Path(current_app.instance_path) / 'demo-logins.txt'}):")
    for username, password, description in logins:
        click.echo(f"  {username:<14} {password:<22} {description}")


@apoa_cli.command("create-admin")
@click.argument("username")
@click.option("--full-name", default="Administrator", show_default=True)
@with_appcontext
def create_admin(username: str, full_name: str) -> None:
    """Create an admin account with a one-time password (for the first admin)."""
    now = clock.now()
    name = normalise_username(username)
    if db.session.scalar(sa.select(User.id).where(User.username == name)) is not None:
        raise click.ClickException(f"the user name {name} is taken")
    password = temporary_password()
    user = User(
        username=name,
        full_name=full_name,
        role=Role.ADMIN,
        password_hash=hash_password(password),
        must_change_password=True,
    )
    db.session.add(user)
    db.session.flush()
    record_event(
        "account.create",
        actor=None,
        actor_name="cli",
        object_type="user",
        object_id=user.id,
        now=now,
    )
    db.session.commit()
    click.echo(f"admin {name} created; one-time password: {password}")


@apoa_cli.command("check-jurisdictions")
@click.option("--province", help="Limit to one province code, e.g. 51 for Bali.")
@with_appcontext
def check_jurisdictions_command(province: str | None) -> None:
    """List areas that no office covers and areas that two offices claim."""
    report = check_jurisdictions(province)
    click.echo(f"Claimed by two or more offices: {len(report.contested)}")
    for code, offices in report.contested:
        click.echo(f"  {code}: {', '.join(offices)}")
    click.echo(f"Regencies not (fully) covered by any office: {len(report.uncovered)}")
    for regency in report.uncovered:
        missing = uncovered_districts(regency.code)
        partly = (
            f" (districts without an office: {', '.join(missing)})"
            if missing and len(missing) < 40
            else ""
        )
        click.echo(f"  {regency.code} {regency.name}{partly}")
    if report.contested:
        raise SystemExit(1)


@apoa_cli.command("geocode")
@click.option(
    "--pending", "mode", flag_value="pending", help="Locations waiting for a network geocoder."
)
@click.option("--all", "mode", flag_value="all", help="Re-geocode every location (resumes).")
@click.option("--batch", default=200, show_default=True, help="Commit every N locations.")
@with_appcontext
def geocode_command(mode: str | None, batch: int) -> None:
    """Geocode pending locations, or re-geocode all of them with a progress bar."""
    if mode is None:
        raise click.UsageError("choose --pending or --all")
    now = clock.now()
    done = (
        geocode_pending(batch=batch, now=now)
        if mode == "pending"
        else geocode_all(batch=batch, now=now)
    )
    click.echo(f"geocoded {done} locations")


@apoa_cli.command("worker")
@with_appcontext
def worker_command() -> None:
    """Run the RQ worker for the geocoding queue (needs REDIS_URL)."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        raise click.ClickException("set REDIS_URL to run the worker")
    connection = Redis.from_url(url)
    Worker([Queue(QUEUE_NAME, connection=connection)], connection=connection).work()


@apoa_cli.command("rebuild-map-cells")
@with_appcontext
def rebuild_map_cells() -> None:
    """Recompute the map's cluster pyramid from the open stays."""
    started = time.perf_counter()
    count = cells.rebuild()
    db.session.commit()
    click.echo(f"{count} map cells in {time.perf_counter() - started:.1f} s")


@apoa_cli.command("rebuild-summaries")
@with_appcontext
def rebuild_summaries_command() -> None:
    """Recompute the compliance ledgers, office days and presence counts from the stays."""
    started = time.perf_counter()
    counts = rebuild_all(now=clock.now())
    db.session.commit()
    rows = ", ".join(f"{n} {table}" for table, n in counts.items())
    click.echo(f"{rows} in {time.perf_counter() - started:.1f} s")


def _moment(text: str | None) -> datetime:
    """Return the moment a daily command runs as: now, or the --now given (UTC if no offset)."""
    if not text:
        return clock.now()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise click.BadParameter(f"not an ISO 8601 date and time: {text}") from error
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@apoa_cli.command("raise-alerts")
@click.option(
    "--now",
    "now_text",
    metavar="ISO",
    help="Pretend it is this moment (ISO 8601; UTC when no offset is given).",
)
@with_appcontext
def raise_alerts_command(now_text: str | None) -> None:
    """Bring every office's alert queue up to date, recent departures included (run daily)."""
    now = _moment(now_text)
    added = raise_due_alerts(None, now=now)
    db.session.commit()
    click.echo(f"{added} new alert(s)")


@apoa_cli.command("generate")
@click.option("--stays", type=click.IntRange(min=0), required=True, help="How many stays to write.")
@click.option("--reporters", type=click.IntRange(min=1), required=True, help="How many reporters.")
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same data.")
@click.option("--force", is_flag=True, help="Allow in production (never on real data).")
@with_appcontext
def generate_command(stays: int, reporters: int, seed: int, force: bool) -> None:
    """Write synthetic national-scale data for the map and the benchmarks (bulk path)."""
    if current_app.config.get("ENV_NAME") == "production" and not force:
        raise click.ClickException("synthetic data is for development and benchmarks only")
    with tqdm(total=stays, unit="stay") as bar:
        result = generate(
            stays=stays, reporters=reporters, seed=seed, progress=bar.update, now=clock.now()
        )
    db.session.commit()
    click.echo(", ".join(f"{key}: {value}" for key, value in result.items()))


@apoa_cli.command("send-reminders")
@click.option("--dry-run", is_flag=True, help="Print who would get what; send and write nothing.")
@click.option(
    "--now",
    "now_text",
    metavar="ISO",
    help="Pretend it is this moment (ISO 8601; UTC when no offset is given).",
)
@with_appcontext
def send_reminders_command(dry_run: bool, now_text: str | None) -> None:
    """E-mail silent and late reporters and send each office its daily digest (run daily)."""
    now = _moment(now_text)

    if dry_run:
        planned = 0
        for item in iter_reminders(now):
            planned += 1
            click.echo(
                f"would send {item.kind} to {item.recipient_key} <{item.mail.to}>"
                f" [{item.mail.locale}] {item.mail.subject!r}: {item.summary}"
            )
        db.session.rollback()
        click.echo(f"dry run: {planned} message(s) planned, none sent")
        return

    try:
        sender = mail_sender()
        with sender:
            summary = send_reminders(now, sender)
    except MailNotConfigured as error:
        raise click.ClickException(str(error)) from error
    except (smtplib.SMTPException, OSError) as error:
        raise click.ClickException(f"cannot use the mail server: {error}") from error
    for key, reason in summary.failed:
        click.echo(f"failed: {key}: {reason}", err=True)
    click.echo(
        f"reminders sent: {summary.sent['reminder']}, digests sent: {summary.sent['digest']},"
        f" failed: {len(summary.failed)}, skipped: {summary.skipped}"
    )
    if summary.failed:
        raise SystemExit(1)


@apoa_cli.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(target: Path) -> None:
    """Write a consistent copy of the database to TARGET while the service runs."""
    db.session.remove()  # no transaction of ours open during the copy
    try:
        written = backup(current_app.config["SQLALCHEMY_DATABASE_URI"], target)
    except (subprocess.CalledProcessError, sqlite3.Error, RestoreRefused) as error:
        raise click.ClickException(f"backup failed: {_reason(error)}") from error
    click.echo(f"backup written: {written} ({written.stat().st_size:,} bytes)")


@apoa_cli.command("restore")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(source: Path) -> None:
    """Load the backup SOURCE into the configured database, which must be empty.

    Then run `flask db upgrade` (a backup of an older version is brought to this one).
    """
    db.session.remove()
    db.engine.dispose()
    try:
        restore(source, current_app.config["SQLALCHEMY_DATABASE_URI"])
    except (subprocess.CalledProcessError, sqlite3.Error, RestoreRefused) as error:
        raise click.ClickException(f"restore failed: {_reason(error)}") from error
    click.echo(f"restored {source}; now run: flask db upgrade")


def _reason(error: Exception) -> str:
    if isinstance(error, subprocess.CalledProcessError):
        return (error.stderr or b"").decode(errors="replace").strip() or str(error)
    return str(error)
