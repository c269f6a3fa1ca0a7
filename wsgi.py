"""WSGI entry point: `gunicorn wsgi:app`."""

from apoa import create_app

app = create_app()
