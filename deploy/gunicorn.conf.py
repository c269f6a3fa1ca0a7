"""gunicorn settings for apoa (docs/operations.md): `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Workers are processes; Prometheus counts are kept per worker in files under
PROMETHEUS_MULTIPROC_DIR (set it in the service's environment, a directory only this
service writes), and /metrics adds them up. The directory is emptied when the master
starts, and a worker's gauges are dropped when it exits.
"""

import os
import shutil
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
timeout = 60
graceful_timeout = 30
# The request log is the app's own JSON line (apoa/operations/request_log.py); gunicorn's
# access log would repeat it with the client's address and query string.
accesslog = None
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        Path(folder).mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess  # only with the directory set

        multiprocess.mark_process_dead(worker.pid)
