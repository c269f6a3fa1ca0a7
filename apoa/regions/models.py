"""Administrative regions (Kemendagri codes) and immigration offices."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from apoa.db import UTCDateTime, utcnow
from apoa.extensions import Model

LEVEL_PROVINCE, LEVEL_REGENCY, LEVEL_DISTRICT, LEVEL_VILLAGE = 1, 2, 3, 4
CODE_LENGTH_BY_LEVEL = {LEVEL_PROVINCE: 2, LEVEL_REGENCY: 4, LEVEL_DISTRICT: 6, LEVEL_VILLAGE: 10}


class Region(Model):
    """One province, regency or city, district (kecamatan) or village (kelurahan/desa).

    Codes carry no dots ("5103011004"); a code always starts with its parent's,
    so "inside area X" is a prefix test.
    """

    __tablename__ = "regions"

    code: so.Mapped[str] = so.mapped_column(sa.String(10), primary_key=True)
    level: so.Mapped[int] = so.mapped_column(sa.SmallInteger, index=True)
    parent_code: so.Mapped[str | None] = so.mapped_column(
        sa.String(10), sa.ForeignKey("regions.code"), index=True
    )
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    search_name: so.Mapped[str] = so.mapped_column(sa.String(100), index=True)
    postal_code: so.Mapped[str | None] = so.mapped_column(sa.String(5), index=True)
    lat: so.Mapped[float | None]
    lon: so.Mapped[float | None]

    __table_args__ = (sa.CheckConstraint("level BETWEEN 1 AND 4", name="level"),)

    def __repr__(self) -> str:
        return f"<Region {self.code} {self.name}>"


class RegionSearchTerm(Model):
    """Each word-start of a region's folded name ("kuta utara", "utara"), for type-ahead.

    Prefix search on a plain B-tree (term >= q AND term < q + "~") works the
    same on SQLite and PostgreSQL and finds "Utara" inside "Kuta Utara".
    """

    __tablename__ = "region_search_terms"

    # Byte order ("C") on PostgreSQL, so the range test means "starts with" in any locale.
    term: so.Mapped[str] = so.mapped_column(
        sa.String(100).with_variant(sa.String(100, collation="C"), "postgresql"), primary_key=True
    )
    code: so.Mapped[str] = so.mapped_column(
        sa.String(10), sa.ForeignKey("regions.code"), primary_key=True
    )
    level: so.Mapped[int] = so.mapped_column(sa.SmallInteger)


class Office(Model):
    """A Kantor Imigrasi (immigration office) whose officers see its jurisdiction."""

    __tablename__ = "offices"
    NAME_MAX = 120

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(40), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(NAME_MAX))
    office_class: so.Mapped[str | None] = so.mapped_column(sa.String(40))
    address: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    email: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    is_active: so.Mapped[bool] = so.mapped_column(default=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    jurisdictions: so.Mapped[list[OfficeJurisdiction]] = so.relationship(
        back_populates="office",
        cascade="all, delete-orphan",
        order_by="OfficeJurisdiction.region_code",
    )

    def __repr__(self) -> str:
        return f"<Office {self.code}>"


class OfficeJurisdiction(Model):
    """A regency or a single district that an office covers (its wilayah kerja)."""

    __tablename__ = "office_jurisdictions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    office_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("offices.id"), index=True)
    region_code: so.Mapped[str] = so.mapped_column(
        sa.String(10), sa.ForeignKey("regions.code"), index=True
    )

    office: so.Mapped[Office] = so.relationship(back_populates="jurisdictions")
    region: so.Mapped[Region] = so.relationship()

    __table_args__ = (sa.UniqueConstraint("office_id", "region_code"),)
