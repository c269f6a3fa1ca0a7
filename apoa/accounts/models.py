"""Users, their roles and what binds them to places; sign-in throttling state."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin

from apoa.db import UTCDateTime, utcnow
from apoa.extensions import Model, db, login_manager
from apoa.regions.models import Office, Region


class Role(enum.StrEnum):
    REPORTER = "reporter"
    OFFICER = "officer"
    ADMIN = "admin"


class ReporterKind(enum.StrEnum):
    LODGING = "lodging"  # hotel, guesthouse, villa, kos ... operator
    RT_RW = "rt_rw"  # Rukun Tetangga / Rukun Warga official
    LURAH = "lurah"  # village head (lurah / kepala desa)


def new_session_token() -> str:
    """Return a fresh random token that identifies a user's sessions."""
    return secrets.token_urlsafe(32)


class User(Model, UserMixin):
    """A person who signs in: a reporter, an officer of one office, or an admin."""

    __tablename__ = "users"
    USERNAME_MIN, USERNAME_MAX = 3, 40
    NAME_MAX = 100
    PASSWORD_MIN, PASSWORD_MAX = 12, 128

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    username: so.Mapped[str] = so.mapped_column(sa.String(USERNAME_MAX), unique=True)
    full_name: so.Mapped[str] = so.mapped_column(sa.String(NAME_MAX))
    email: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    phone: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    role: so.Mapped[str] = so.mapped_column(sa.String(10), index=True)
    reporter_kind: so.Mapped[str | None] = so.mapped_column(sa.String(10), index=True)
    office_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("offices.id"), index=True)
    # RT/RW officials and lurah report inside one village; RT/RW officials
    # also name their RW (and RT).
    area_code: so.Mapped[str | None] = so.mapped_column(
        sa.String(10), sa.ForeignKey("regions.code"), index=True
    )
    rw: so.Mapped[int | None] = so.mapped_column(sa.SmallInteger)
    rt: so.Mapped[int | None] = so.mapped_column(sa.SmallInteger)
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(255))
    # Flask-Login's id is this token, not the primary key, so rotating it
    # revokes every session and remember cookie at once (security.md R5).
    session_token: so.Mapped[str] = so.mapped_column(
        sa.String(64), unique=True, default=new_session_token
    )
    must_change_password: so.Mapped[bool] = so.mapped_column(default=False)
    is_active_account: so.Mapped[bool] = so.mapped_column("is_active", default=True)
    locale: so.Mapped[str | None] = so.mapped_column(sa.String(5))
    last_login_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    password_changed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))

    office: so.Mapped[Office | None] = so.relationship()
    area: so.Mapped[Region | None] = so.relationship()

    __table_args__ = (
        sa.CheckConstraint("role IN ('reporter', 'officer', 'admin')", name="role"),
        sa.CheckConstraint(
            "(role = 'reporter' AND reporter_kind IN ('lodging', 'rt_rw', 'lurah'))"
            " OR (role <> 'reporter' AND reporter_kind IS NULL)",
            name="reporter_kind",
        ),
        sa.CheckConstraint("role <> 'officer' OR office_id IS NOT NULL", name="officer_office"),
        sa.CheckConstraint(
            "reporter_kind IS NULL OR reporter_kind = 'lodging' OR area_code IS NOT NULL",
            name="area_reporter_area",
        ),
        sa.CheckConstraint(
            "reporter_kind IS NULL OR reporter_kind <> 'rt_rw' OR rw IS NOT NULL", name="rt_rw_rw"
        ),
    )

    @property
    def is_active(self) -> bool:
        """Tell whether the account may be used: not deactivated, and its office not closed."""
        return self.is_active_account and (self.office is None or self.office.is_active)

    def get_id(self) -> str:
        return self.session_token

    def rotate_session_token(self) -> None:
        """Invalidate every existing session and remember cookie of this user."""
        self.session_token = new_session_token()

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_officer(self) -> bool:
        return self.role == Role.OFFICER

    @property
    def is_reporter(self) -> bool:
        return self.role == Role.REPORTER

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


@login_manager.user_loader
def load_user(token: str) -> User | None:
    user = db.session.scalar(sa.select(User).where(User.session_token == token))
    return user if user is not None and user.is_active else None


class LoginThrottle(Model):
    """Failed sign-in counts for one account name or one client address.

    Kept in the database so that every worker shares them (security.md R3);
    unknown account names get a row too, so they behave like real ones.
    """

    __tablename__ = "login_throttles"

    key: so.Mapped[str] = so.mapped_column(sa.String(120), primary_key=True)
    window_started_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    window_failures: so.Mapped[int] = so.mapped_column(default=0)
    consecutive_failures: so.Mapped[int] = so.mapped_column(default=0)
    last_failure_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    locked_until: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
