"""apoa: reporting where foreign nationals stay in Indonesia."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from apoa.config import Config, config_for_environment
from apoa.db import engine_options
from apoa.extensions import compress, csrf, db, login_manager, migrate


def create_app(config: type[Config] | Config | Mapping[str, Any] | None = None) -> Flask:
    """Build the app from a config class, object or mapping (default: from APOA_ENV)."""
    app = Flask(__name__, instance_relative_config=True)
    register_config(app, config)
    register_extensions(app)
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
    from apoa.i18n import init_babel

    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"), render_as_batch=True)
    csrf.init_app(app)
    compress.init_app(app)
    init_babel(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "basic"
    login_manager.login_message = None  # the login page says enough
    # Import every model so metadata (and migrations) see the whole schema.
    import apoa.models  # noqa: F401


def register_blueprints(app: Flask) -> None:
    from apoa.accounts.views import bp as accounts_bp
    from apoa.admin.views import bp as admin_bp
    from apoa.compliance.alert_views import bp as alerts_bp
    from apoa.compliance.dashboard_views import bp as dashboard_bp
    from apoa.compliance.views import bp as compliance_bp
    from apoa.geocoding.views import bp as geocoding_bp
    from apoa.lodgings.views import bp as lodgings_bp
    from apoa.maps.views import bp as maps_bp
    from apoa.regions.views import bp as regions_bp
    from apoa.reports.verify import bp as verify_bp
    from apoa.reports.views import bp as reports_bp

    app.register_blueprint(accounts_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(regions_bp)
    app.register_blueprint(lodgings_bp)
    app.register_blueprint(geocoding_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(verify_bp)
    app.register_blueprint(maps_bp)
    app.register_blueprint(compliance_bp)
    app.register_blueprint(alerts_bp)
    app.register_blueprint(dashboard_bp)


def register_security_and_errors(app: Flask) -> None:
    from apoa.errors import register_error_handlers
    from apoa.security import register_security
    from apoa.templating import register_template_helpers

    register_security(app)
    register_error_handlers(app)
    register_template_helpers(app)


def register_geocoder(app: Flask) -> None:
    """Build the configured geocoder once; services find it in app.extensions."""
    import apoa.geocoding.jobs  # noqa: F401 - registers the after-commit queue hook
    from apoa.geocoding.providers import build_geocoder

    app.extensions["apoa_geocoder"] = build_geocoder(app.config)


def register_projections(app: Flask) -> None:
    """Subscribe the derived data (map cells, compliance summaries) to the writers' signals."""


def register_cli(app: Flask) -> None:
    from apoa.cli import apoa_cli

    app.cli.add_command(apoa_cli)
