"""Persons, stay groups and stays, drawn in batches for the bulk path."""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from apoa.devdata.bulk import Days, Writer
from apoa.devdata.places import PlacePicker
from apoa.devdata.population import (
    BIRTH_PLACES,
    CHECK_OUT_LATENESS,
    DORMANT_DAYS,
    GROUP_SIZES,
    HISTORY_DAYS,
    LATE_SECONDS,
    LONG_STAY_PERMITS,
    NAME_STYLE,
    NATIONALITIES,
    OPEN_SHARE,
    OVERDUE_SHARE,
    PERMITS,
    PERMITS_WITH_NUMBER,
    PURPOSES_LONG,
    PURPOSES_SHORT,
    names_of_style,
    weighted,
)

# ---------------------------------------------------------------- persons and stays


class StayFactory:
    """Build the rows of one batch of groups; the hot path of the generator."""

    def __init__(self, writer: Writer, rng: random.Random, now: datetime) -> None:
        self.w = writer
        self.rng = rng
        self.now = now.replace(tzinfo=None)  # naive UTC inside; stored through writer.ts
        self.today = self.now.date()
        self.nat, self.nat_cum = weighted(NATIONALITIES)
        self.permit, self.permit_cum = weighted(PERMITS)
        self.short, self.short_cum = weighted(PURPOSES_SHORT)
        self.long, self.long_cum = weighted(PURPOSES_LONG)
        self.size, self.size_cum = weighted(GROUP_SIZES)
        self.styles = {
            code: (*names_of_style(NAME_STYLE[code]), BIRTH_PLACES[code]) for code in NAME_STYLE
        }
        self.letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
        self.days = Days(writer)

    def _pick(self, values: list[Any], cum: list[float]) -> Any:
        return values[min(bisect_right(cum, self.rng.random() * cum[-1]), len(cum) - 1)]

    def group_sizes(self, stays: int) -> Iterator[int]:
        """Yield the group sizes until `stays` guests are placed (the last group is cut)."""
        left = stays
        while left > 0:
            size = min(self._pick(self.size, self.size_cum), left)
            left -= size
            yield size

    def batch(
        self,
        places: PlacePicker,
        sizes: list[int],
        group_ids: Sequence[int],
        person_ids: Sequence[int],
    ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]], int]:
        """Return (groups, persons, stays, open stays): row tuples in the *_COLUMNS order."""
        # Local names and `a + int(random() * n)` instead of randint/choice: this loop
        # runs once per guest, and Random's integer helpers cost more than the rows.
        now, today = self.now, self.today
        random_ = self.rng.random
        expovariate = self.rng.expovariate
        ts = self.w.ts
        days = self.days
        pick = self._pick
        letters = self.letters
        n_letters = len(letters)
        group_rows: list[tuple[Any, ...]] = []
        person_rows: list[tuple[Any, ...]] = []
        stay_rows: list[tuple[Any, ...]] = []
        open_count = 0
        p = 0
        for group_id, size in zip(group_ids, sizes, strict=True):
            is_open = random_() < OPEN_SHARE
            place = places.pick(random_(), random_())
            while is_open and place.dormant:
                # A silent or quiet place has had nobody in the last two months: another
                # place takes this guest (the first reporter is always active).
                place = places.pick(random_(), random_())
            permit = pick(self.permit, self.permit_cum)
            long_stay = permit in LONG_STAY_PERMITS
            if long_stay:
                purpose = pick(self.long, self.long_cum)
                nights = 30 + int(random_() * 336)
            else:
                purpose = pick(self.short, self.short_cum)
                nights = min(1 + int(expovariate(0.2)), 60)
            late_in = place.late_in
            overdue = is_open and random_() < OVERDUE_SHARE
            if overdue:
                # Should have left 1-10 days ago, and nobody reported the departure (C4).
                back = nights + 1 + int(random_() * 10)
                check_in = now - timedelta(days=back, hours=1 + random_() * 3)
                checked_out = None
                open_count += size
            elif is_open:
                # Arrived some time during this stay's length, leaves in the future.
                check_in = now - timedelta(days=random_() * nights, hours=1 + random_() * 3)
                checked_out = None
                open_count += size
            else:
                # A silent or quiet place's guests all left more than two months ago.
                first = nights + 1 + (DORMANT_DAYS if place.dormant else 0)
                check_in = now - timedelta(days=first + random_() * (HISTORY_DAYS - first))
                checked_out = check_in + timedelta(days=nights, hours=random_() * 6 - 3)
                if checked_out > now:
                    checked_out = now - timedelta(hours=1)
                checked_out = checked_out.replace(microsecond=0)
            check_in = check_in.replace(microsecond=0)
            check_in_day = check_in.date()
            check_in_ord = check_in_day.toordinal()
            expected = check_in_day + timedelta(days=nights)
            if is_open and not overdue and expected <= today:
                expected = today + timedelta(days=1)
            # Mostly within the day (the 24-hour rule), at some places often days late;
            # never in the future.
            if random_() < late_in:
                delay = LATE_SECONDS[0] + random_() * (LATE_SECONDS[1] - LATE_SECONDS[0])
            else:
                delay = 720 + random_() * 72_000
            reported = min(check_in + timedelta(seconds=int(delay)), now)
            reported_s = ts(reported)
            group_rows.append(
                (group_id, place.reporter_id, place.lodging_id, place.location_id, reported_s)
            )
            if permit == "voa" or permit == "visa_free":
                permit_expiry: date | None = check_in_day + timedelta(days=30)
            elif long_stay:
                permit_expiry = check_in_day + timedelta(days=60 + int(random_() * 660))
            elif permit == "visit_visa" or permit == "itk":
                permit_expiry = check_in_day + timedelta(days=60)
            else:
                permit_expiry = None
            permit_expiry_s = days[permit_expiry.toordinal()] if permit_expiry else None
            ends_early = permit_expiry is not None and permit_expiry < expected
            with_number = permit in PERMITS_WITH_NUMBER
            check_in_s = ts(check_in)
            expected_s = days[expected.toordinal()]
            if checked_out:
                checked_out_s = ts(checked_out)
                if random_() < late_in * CHECK_OUT_LATENESS:
                    delay = LATE_SECONDS[0] + random_() * (LATE_SECONDS[1] - LATE_SECONDS[0])
                else:
                    delay = random_() * 21_600  # within six hours
                left_reported_s = ts(min(checked_out + timedelta(seconds=int(delay)), now))
                status = "checked_out"
                version = 2
                updated_s = left_reported_s
            else:
                checked_out_s = left_reported_s = None
                status = "open"
                version = 1
                updated_s = reported_s
            room = (
                f"{1 + int(random_() * 5)}{1 + int(random_() * 40):02d}"
                if place.lodging_id
                else None
            )
            family = size > 1 and random_() < 0.6  # a family shares surname and nationality
            nationality = pick(self.nat, self.nat_cum)
            surnames, given_names, birth_places = self.styles[nationality]
            family_name = surnames[int(random_() * len(surnames))]
            for member in range(size):
                person_id = person_ids[p]
                p += 1
                if member and not family:
                    nationality = pick(self.nat, self.nat_cum)
                    surnames, given_names, birth_places = self.styles[nationality]
                    family_name = surnames[int(random_() * len(surnames))]
                minor = member >= 2 and random_() < 0.7
                age_days = (
                    int((2 + random_() * 15) * 365) if minor else int((20 + random_() * 56) * 365)
                )
                given = given_names[int(random_() * len(given_names))]
                person_rows.append(
                    (
                        person_id,
                        family_name,
                        given,
                        "M" if random_() < 0.52 else "F",
                        days[check_in_ord - age_days],
                        birth_places[int(random_() * len(birth_places))],
                        nationality,
                        letters[int(random_() * n_letters)] + str(10**7 + int(random_() * 9e7)),
                        days[check_in_ord + 200 + int(random_() * 3400)],
                        nationality,
                        None,
                        reported_s,
                    )
                )
                stay_rows.append(
                    (
                        group_id,
                        person_id,
                        place.reporter_id,
                        place.lodging_id,
                        place.location_id,
                        place.office_id,
                        room,
                        f"{family_name}, {given}",
                        check_in_s,
                        expected_s,
                        checked_out_s,
                        left_reported_s,
                        status,
                        member == 0,
                        minor,
                        permit,
                        f"{1_000_000_000 + int(random_() * 9_000_000_000)}"
                        if with_number
                        else None,
                        permit_expiry_s,
                        purpose,
                        False,
                        ends_early,
                        False,
                        False,
                        version,
                        reported_s,
                        updated_s,
                    )
                )
        return group_rows, person_rows, stay_rows, open_count


# The order of the tuples `StayFactory.batch` builds; the test checks them against the models.
GROUP_COLUMNS = ("id", "reporter_id", "lodging_id", "location_id", "created_at")
PERSON_COLUMNS = (
    "id",
    "surname",
    "given_names",
    "sex",
    "birth_date",
    "birth_place",
    "nationality",
    "passport_number",
    "passport_expiry",
    "issuing_country",
    "phone",
    "created_at",
)
STAY_COLUMNS = (  # no id: the database numbers stays, nothing refers to them here
    "group_id",
    "person_id",
    "reporter_id",
    "lodging_id",
    "location_id",
    "office_id",
    "room",
    "guest_name",
    "check_in_at",
    "expected_check_out",
    "checked_out_at",
    "check_out_reported_at",
    "status",
    "is_head",
    "is_minor",
    "permit_type",
    "permit_number",
    "permit_expiry",
    "purpose",
    "flag_passport_expired",
    "flag_permit_ends_early",
    "flag_open_elsewhere",
    "flag_duplicate",
    "version",
    "reported_at",
    "updated_at",
)
