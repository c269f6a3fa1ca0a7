"""Configuration read from the environment.

`Config` holds production values; `DevConfig` and `TestConfig` relax only what
a laptop or a test run needs. Every security-relevant setting is explicit.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

INSTANCE_DIR = Path(
    os.environ.get("APOA_INSTANCE_DIR", Path(__file__).resolve().parent.parent / "instance")
)


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value is None or value == "" else int(value)


def sqlite_url(path: Path) -> str:
    """Return a SQLAlchemy URL for a SQLite file."""
    return f"sqlite:///{path}"


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for plain postgres:// URLs, as hosting platforms hand them out."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def development_secret_key(instance_dir: Path) -> str:
    """Generate a secret key once and keep it in the instance folder."""
    path = instance_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


class Config:
    """Production settings; refuses to start without SECRET_KEY and DATABASE_URL."""

    ENV_NAME = "production"
    SECRET_KEY: str | None = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI: str | None = (
        normalise_database_url(os.environ["DATABASE_URL"])
        if os.environ.get("DATABASE_URL")
        else None
    )
    # hide_parameters: a failing statement's values (passport numbers…) never reach the logs.
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": True, "hide_parameters": True}
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    # Sessions and cookies (security.md R5-R7).
    SESSION_COOKIE_NAME = "__Host-session"
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"  # Strict for officers and admins, see security.py
    SESSION_COOKIE_PATH = "/"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    SESSION_IDLE_TIMEOUT = timedelta(minutes=_env_int("SESSION_IDLE_MINUTES", 30))
    SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)
    REMEMBER_COOKIE_NAME = "__Host-remember"
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_PATH = "/"

    # CSRF (R8): tokens live as long as the session; the referrer is checked on HTTPS.
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = 3600 * 12
    WTF_CSRF_SSL_STRICT = True

    # Request limits (R21).
    MAX_CONTENT_LENGTH = 1024 * 1024
    MAX_FORM_PARTS = 100
    TRUSTED_HOSTS: list[str] | None = [
        h for h in os.environ.get("TRUSTED_HOSTS", "").split(",") if h
    ] or None
    PROXY_FIX_HOPS = _env_int("PROXY_FIX_HOPS", 0)
    HSTS = True

    # Sign-in throttling (R3).
    LOGIN_MAX_FAILURES_PER_HOUR = 100
    LOGIN_DELAY_AFTER_FAILURES = 5
    LOGIN_MAX_FAILURES_PER_IP_PER_HOUR = 300
    LOGIN_LOCKOUT_AFTER_FAILURES = 10
    LOGIN_LOCKOUT_MINUTES = 15

    # Password hashing: argon2-cffi defaults (argon2id t=3, m=64 MiB, p=4), R2.
    ARGON2_PARAMETERS: dict[str, int] = {}

    # Languages (Flask-Babel): Indonesian by default.
    LANGUAGES = ("id", "en")
    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = "Asia/Jakarta"

    ADMIN_PAGE_SIZE = 25

    # Compress scripts, styles and JSON for slow phone connections. HTML pages stay
    # uncompressed: they carry CSRF tokens next to echoed input (the BREACH attack).
    COMPRESS_MIMETYPES = [
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/json",
    ]
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_MIN_SIZE = 500

    # Geocoding (docs/geocoding.md): offline by default, never waiting on the network.
    GEOCODER = os.environ.get("GEOCODER", "offline")
    GEOCODER_OPTIONS = os.environ.get("GEOCODER_OPTIONS", "{}")
    NOMINATIM_DOMAIN = os.environ.get("NOMINATIM_DOMAIN")
    NOMINATIM_SCHEME = os.environ.get("NOMINATIM_SCHEME", "https")
    GEOCODER_USER_AGENT = os.environ.get("GEOCODER_USER_AGENT")
    GEOCODER_TIMEOUT = float(os.environ.get("GEOCODER_TIMEOUT", "5"))
    GEOCODER_MIN_DELAY_SECONDS = float(os.environ.get("GEOCODER_MIN_DELAY_SECONDS", "1.0"))
    GEOCODER_ERROR_WAIT_SECONDS = float(os.environ.get("GEOCODER_ERROR_WAIT_SECONDS", "5.0"))
    # A phone pin farther than this from the chosen village's centre waits for review.
    GPS_MAX_DISTANCE_KM = float(os.environ.get("GPS_MAX_DISTANCE_KM", "5"))
    REDIS_URL = os.environ.get("REDIS_URL")
    MAP_TILES_URL = os.environ.get(
        "MAP_TILES_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    )
    MAP_TILES_ATTRIBUTION = os.environ.get(
        "MAP_TILES_ATTRIBUTION",
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
    )
    REPORT_DEADLINE_HOURS = _env_int("REPORT_DEADLINE_HOURS", 24)
    # An open stay is overdue this long after the end of its expected check-out day (rule C4).
    CHECKOUT_GRACE_HOURS = _env_int("CHECKOUT_GRACE_HOURS", 24)
    # Reminders and digests (flask apoa send-reminders); no host means no e-mail is sent.
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "") in {"1", "true", "yes"}
    MAIL_USE_SSL = os.environ.get("MAIL_USE_SSL", "") in {"1", "true", "yes"}
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "apoa@localhost")
    MAIL_TIMEOUT = _env_int("MAIL_TIMEOUT", 30)
    # The address put into e-mails so that links open the right server.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://localhost:5000")
    # Reporters reminded within this many days are not reminded again (1: daily).
    REMINDER_INTERVAL_DAYS = _env_int("REMINDER_INTERVAL_DAYS", 1)
    # How often (per worker and office) opening the alert queue re-scans the office's stays.
    ALERT_SCAN_SECONDS = _env_int("ALERT_SCAN_SECONDS", 300)
    # Operations (docs/operations.md): one JSON line per request on stderr; /metrics answers
    # only a bearer of METRICS_TOKEN (unset: /metrics is a 404).
    REQUEST_LOG_JSON = os.environ.get("REQUEST_LOG_JSON", "1") in {"1", "true", "yes"}
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN")

    @classmethod
    def check(cls, config: dict[str, Any]) -> None:
        """Refuse to start production without its secrets."""
        missing = [k for k in ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI") if not config.get(k)]
        if missing:
            names = ", ".join("DATABASE_URL" if k.startswith("SQLALCHEMY") else k for k in missing)
            raise RuntimeError(f"apoa refuses to start in production without {names}")


class DevConfig(Config):
    """Laptop settings: SQLite under instance/, a generated key, plain HTTP."""

    ENV_NAME = "development"
    SESSION_COOKIE_NAME = "apoa_session"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_NAME = "apoa_remember"
    REMEMBER_COOKIE_SECURE = False
    WTF_CSRF_SSL_STRICT = False
    HSTS = False
    REQUEST_LOG_JSON = os.environ.get("REQUEST_LOG_JSON", "") in {"1", "true", "yes"}

    def __init__(self) -> None:
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or development_secret_key(INSTANCE_DIR)
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(
            os.environ.get("DATABASE_URL") or sqlite_url(INSTANCE_DIR / "apoa.sqlite3")
        )

    @classmethod
    def check(cls, config: dict[str, Any]) -> None:
        return None


class TestConfig(DevConfig):
    """Test settings: CSRF off (one module turns it on) and cheap hashing."""

    ENV_NAME = "testing"
    TESTING = True
    WTF_CSRF_ENABLED = False
    ARGON2_PARAMETERS = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
    SERVER_NAME = None

    def __init__(self) -> None:
        self.SECRET_KEY = "test-secret-key"  # noqa: S105 - tests only  # noqa: S105 - tests only
        self.SQLALCHEMY_DATABASE_URI = os.environ.get("APOA_TEST_DATABASE_URI", "sqlite://")


def config_for_environment() -> type[Config] | Config:
    """Pick the configuration named by APOA_ENV (default: development)."""
    env = os.environ.get("APOA_ENV", "development")
    if env == "production":
        return Config
    return DevConfig()
