"""A network geocoder never makes a report wait: the work goes to RQ on a real Redis."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from apoa.geocoding.models import Location
from tests.factories import LEGIAN, TEST_PASSWORD
from tests.geocoding.nominatim_stub import PLACES, NominatimStub, place

REDIS_URL = "redis://127.0.0.1:6379/11"
QUERY = "jl. legian no. 10, legian, kuta, kabupaten badung, bali"


def _register_lodging(client, name: str):
    """Register a hotel at a street in Legian through the form; return the response."""
    data = {"name": name, "kind": "hotel", "street": "Jl. Legian No. 10", "region_code": LEGIAN}
    return client.post("/lodgings/new", data=data)


def _signed_in_with_nominatim(make_app, create_user, stub, *, redis, user_agent="apoa-tests"):
    """An app geocoding through the stub with the queue at `redis`; a reporter signed in."""
    app = make_app(
        GEOCODER="nominatim",
        NOMINATIM_DOMAIN=stub.domain,
        NOMINATIM_SCHEME="http",
        GEOCODER_USER_AGENT=user_agent,
        GEOCODER_MIN_DELAY_SECONDS=0,
        GEOCODER_TIMEOUT=1,
        REDIS_URL=redis,
    )
    operator = create_user("reporter")
    client = app.test_client()
    client.post("/login", data={"username": operator.username, "password": TEST_PASSWORD})
    return app, client


@pytest.fixture
def redis_url():
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    connection = Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except RedisDown:
        pytest.skip("no Redis on 127.0.0.1:6379")
    yield REDIS_URL
    connection.flushdb()
    connection.close()


@pytest.fixture
def stub():
    places = {
        **PLACES,
        QUERY: place(
            -8.70501,
            115.16912,
            "10, Jalan Legian, Legian, Kuta, Badung, Bali, Indonesia",
            category="building",
            kind="yes",
            addresstype="building",
            place_rank=30,
            address={"road": "Jalan Legian", "village": "Legian", "state": "Bali"},
        ),
    }
    with NominatimStub(places) as running:
        yield running


def test_report_is_saved_at_once_and_the_worker_geocodes_it(make_app, create_user, redis_url, stub):
    from redis import Redis
    from rq import Queue, SimpleWorker

    from apoa.extensions import db
    from apoa.geocoding.queue import QUEUE_NAME
    from apoa.lodgings.models import Lodging

    app, client = _signed_in_with_nominatim(
        make_app, create_user, stub, redis=redis_url,
        user_agent=f"apoa-tests/{uuid.uuid4().hex[:6]}",
    )  # fmt: skip
    response = _register_lodging(client, "Hotel Queue")
    assert response.status_code == 302
    assert stub.requests == []  # the request did not wait on the geocoder
    with app.app_context():
        location = db.session.scalars(sa.select(Location)).one()
        assert location.geocode_status == "pending"
        assert location.precision == "village"  # shown at the chosen village meanwhile
        assert location.office.code == "kanim-ngurah-rai"
        connection = Redis.from_url(redis_url)
        queue = Queue(QUEUE_NAME, connection=connection)
        assert queue.count == 1
        SimpleWorker([queue], connection=connection).work(burst=True)
        db.session.expire_all()
        location = db.session.scalars(sa.select(Location)).one()
        assert location.geocode_status == "done"
        assert location.source == "nominatim"
        assert location.precision == "street"
        assert (location.lat, location.lon) == (-8.70501, 115.16912)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Lodging)) == 1
        connection.close()
    assert len(stub.requests) == 1
    assert stub.requests[0].params["q"].lower() == QUERY


def test_without_redis_pending_locations_wait_for_the_command(make_app, create_user, stub):
    from apoa.extensions import db

    app, client = _signed_in_with_nominatim(make_app, create_user, stub, redis=None)
    _register_lodging(client, "Hotel Cron")
    with app.app_context():  # the command runs in the current app context: this app's
        result = app.test_cli_runner().invoke(args=["apoa", "geocode", "--pending"])
        assert result.exit_code == 0, result.output
        location = db.session.scalars(sa.select(Location)).one()
        assert location.geocode_status == "done"
        assert location.source == "nominatim"


def test_with_redis_down_the_lodging_is_saved_and_waits_for_the_command(
    make_app, create_user, stub, caplog
):
    from apoa.extensions import db

    app, client = _signed_in_with_nominatim(
        make_app,
        create_user,
        stub,
        redis="redis://127.0.0.1:1/0",  # nothing listens there
    )
    response = _register_lodging(client, "Hotel Redis Down")
    assert response.status_code == 302  # committed, and said so: not a 500 after the commit
    assert "geocoding queue unreachable" in caplog.text
    with app.app_context():
        assert db.session.scalars(sa.select(Location)).one().geocode_status == "pending"
        result = app.test_cli_runner().invoke(args=["apoa", "geocode", "--pending"])
        assert result.exit_code == 0, result.output
        assert db.session.scalars(sa.select(Location)).one().geocode_status == "done"
