"""What happened, announced by the domain that made it happen (house-style.md 3.9).

Writers send; projections (the map's cluster cells, the compliance summaries)
subscribe when the app is created (`apoa.register_projections`). Blinker calls
receivers synchronously, in the sender's transaction: a projection that fails
fails the report, so derived data never lags or runs ahead of the stays.

Each signal's sender and keyword arguments are part of its contract:

=====================  ============  =====================================================
signal                 sender        keyword arguments
=====================  ============  =====================================================
stays_checked_in       actor (User)  receipt, changes, report, now
stays_checked_out      actor         receipt, changes, report, now
stay_amended           actor         receipt, changes, now
stay_cancelled         actor         receipt, changes, now
nil_report_filed       actor         receipt, report (ReportFacts, happened_at=None),
                                     period_end, now
location_changed       Location      before (LocationBefore), now
location_moved         Location      before (LocationBefore), changes, now
lodging_verified       Lodging       now
lodging_rejected       Lodging       now
account_changed        User          now
sign_in_failed         None          reason ("password" or "throttled"), now
=====================  ============  =====================================================

`changes` is a list of `(before, after)` pairs of `apoa.reports.events.StayState`
(None before a check-in, None after a cancellation); `report` is an
`apoa.reports.events.ReportFacts`. The reports package is the only writer of stays:
`location_changed` (geocoding: a location got a new point, office or region) is
answered by reports, which moves the stays' office and announces `location_moved`.
"""

from __future__ import annotations

from blinker import Namespace

_apoa = Namespace()

# reports: the only writer of stays, events and nil reports
stays_checked_in = _apoa.signal("stays-checked-in")
stays_checked_out = _apoa.signal("stays-checked-out")
stay_amended = _apoa.signal("stay-amended")
stay_cancelled = _apoa.signal("stay-cancelled")
nil_report_filed = _apoa.signal("nil-report-filed")
location_moved = _apoa.signal("location-moved")

# geocoding, lodgings, accounts
location_changed = _apoa.signal("location-changed")
lodging_verified = _apoa.signal("lodging-verified")
lodging_rejected = _apoa.signal("lodging-rejected")
account_changed = _apoa.signal("account-changed")
sign_in_failed = _apoa.signal("sign-in-failed")  # counted by apoa.operations.metrics

# Every signal whose change to stays the projections follow.
STAY_CHANGES = (stays_checked_in, stays_checked_out, stay_amended, stay_cancelled, location_moved)
