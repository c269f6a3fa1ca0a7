"""apoa: reporting where foreign nationals stay in Indonesia."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from apoa import (
    accounts,
    admin,
    alerts,
    compliance,
    dashboard,
    geocoding,
    home,
    lodgings,
    maps,
    regions,
    reports,
)

# Each `views` module (the F401 lines) adds its package's routes to the package's blueprint
# as it is imported; register_blueprints then registers the blueprints.
from apoa.accounts import views as accounts_views  # noqa: F401
from apoa.admin import views as admin_views  # noqa: F401
from apoa.alerts import views as alerts_views  # noqa: F401
from apoa.cli import apoa_cli
from apoa.compliance import projection as compliance_projection
from apoa.compliance import views as compliance_views  # noqa: F401
from apoa.config import INSTANCE_DIR, Config, config_for_environment
from apoa.dashboard import views as dashboard_views  # noqa: F401
from apoa.db import engine_options
from apoa.errors import register_error_handlers
from apoa.extensions import compress, csrf, db, login_manager, migrate
from apoa.geocoding import views as geocoding_views  # noqa: F401
from apoa.geocoding.providers import build_geocoder
from apoa.home import offline as home_offline  # noqa: F401
from apoa.home import views as home_views  # noqa: F401
from apoa.i18n import init_babel
from apoa.inputs import register_input_limits
from apoa.lodgings import views as lodgings_views  # noqa: F401
from apoa.maps import cells as map_cells
from apoa.maps import views as maps_views  # noqa: F401
from apoa.models import __all__ as _every_model  # noqa: F401 - the whole schema, for metadata and migrations
from apoa.operations import bp as operations_bp
from apoa.operations import metrics as operations_metrics
from apoa.operations import request_log
from apoa.operations import views as operations_views  # noqa: F401
from apoa.regions import views as regions_views  # noqa: F401
from apoa.reports import outbox as reports_outbox  # noqa: F401
from apoa.reports import relocation, verify
from apoa.reports import views as reports_views  # noqa: F401
from apoa.security import register_security
from apoa.templating import register_template_helpers


def create_app(config: type[Config] | Config | Mapping[str, Any] | None = None) -> Flask:
    """Build the app from a config class, object or mapping (default: from APOA_ENV)."""
    # The instance folder (SQLite file, development key, demo sign-ins) is APOA_INSTANCE_DIR.
    app = Flask(__name__, instance_path=str(INSTANCE_DIR), instance_relative_config=True)
    register_config(app, config)
    request_log.init_app(app)  # first: even a request refused by a later hook is logged
    register_extensions(app)
    register_input_limits(app)  # before the blueprints: their `<int:…>` routes are bounded
    register_blueprints(app)
    register_security_and_errors(app)
    register_geocoder(app)
    register_projections(app)
    register_cli(app)
    return app


def register_config(app: Flask, config: type[Config] | Config | Mapping[str, Any] | None) -> None:
    if config is None:
        config = config_for_environment()
    if isinstance(config, Mapping):
        app.config.from_object(config_for_environment())
        app.config.update(config)
        checker = Config.check if app.config.get("ENV_NAME") == "production" else None
    else:
        app.config.from_object(config)
        checker = config.check
    if checker:
        checker(app.config)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
        app.config.get("SQLALCHEMY_DATABASE_URI"), app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})
    )
    if app.config.get("PROXY_FIX_HOPS"):
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"), render_as_batch=True)
    csrf.init_app(app)
    compress.init_app(app)
    init_babel(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "basic"
    login_manager.login_message = None  # the login page says enough


def register_blueprints(app: Flask) -> None:
    """Register each package's blueprint (its views module, imported above, added the routes)."""
    for blueprint in (
        accounts.bp,
        home.bp,
        admin.bp,
        regions.bp,
        lodgings.bp,
        geocoding.bp,
        reports.bp,
        verify.bp,
        maps.bp,
        compliance.bp,
        alerts.bp,
        dashboard.bp,
        operations_bp,
    ):
        app.register_blueprint(blueprint)


def register_security_and_errors(app: Flask) -> None:
    register_security(app)
    register_error_handlers(app)
    register_template_helpers(app)


def register_geocoder(app: Flask) -> None:
    """Build the configured geocoder once; services find it in app.extensions."""
    app.extensions["apoa_geocoder"] = build_geocoder(app.config)


def register_projections(app: Flask) -> None:
    """Subscribe the derived data (map cells, compliance summaries) to the writers' signals.

    Blinker's signals are process-wide; connecting the same receiver again (a
    second app in one process, as in the tests) changes nothing.
    """
    compliance_projection.subscribe()
    map_cells.subscribe()
    relocation.subscribe()
    operations_metrics.subscribe()


def register_cli(app: Flask) -> None:
    app.cli.add_command(apoa_cli)
