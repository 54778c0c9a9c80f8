"""gunicorn's settings for a MARUF-Reg app server: `gunicorn -c deploy/gunicorn.conf.py`.

Used by the systemd unit (deploy/systemd/maruf-reg.service) and by the loopback cluster
(`make cluster`, scripts/cluster.py). The app reads its own settings from MARUF_* variables; these
two are gunicorn's: MARUF_BIND (default 127.0.0.1:8000) and MARUF_GUNICORN_WORKERS (default two
per core, and one).
"""

import multiprocessing
import os

wsgi_app = "maruf_reg:create_app()"
bind = os.environ.get("MARUF_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("MARUF_GUNICORN_WORKERS") or multiprocessing.cpu_count() * 2 + 1)
# Sync workers behind nginx, which buffers slow clients: each request has a process to itself.
worker_class = "sync"
# A request may wait WRITE_LOCK_TIMEOUT (10 s) for the database, then answers 503; badge batches
# are rendered by the workers. What takes longest is an organiser's export streamed as it is read
# (200,000 registrations: tens of seconds): a worker silent for longer than this is restarted.
timeout = 120
graceful_timeout = 120
# A worker is replaced after this many requests (with jitter): memory never creeps up for days.
max_requests = 10000
max_requests_jitter = 1000
# The proxy's X-Forwarded-* headers are read by the app (MARUF_PROXY_HOPS), not by gunicorn.
forwarded_allow_ips = ""
# Logs to stderr (journald), formatted like the app's (MARUF_LOG_FORMAT) and redacted.
accesslog = "-"
errorlog = "-"
logger_class = "maruf_reg.logs.GunicornLogger"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms id=%({x-request-id}o)s'
