"""Defaults. `instance/config.py`, then `MARUF_<KEY>` environment variables, override them."""

# Where the database lives. Empty: a SQLite file in the instance folder.
DATABASE_URL = ""
# Required, never defaulted: `make run` writes one into instance/config.py; production sets it.
SECRET_KEY = ""
# Redis for Huey's queue and the rate limiter. Empty: Huey keeps its queue in SQLite in the instance
# folder and the rate limiter counts in memory.
REDIS_URL = ""
# Name of the job queue (a prefix of its keys in Redis).
HUEY_NAME = "maruf"
# Run background jobs inline instead of queueing them (tests, one-off scripts).
HUEY_IMMEDIATE = False

# Mail. Empty MAIL_SERVER: messages are written to instance/outbox/ as .eml files.
MAIL_SERVER = ""
MAIL_PORT = 25
MAIL_USE_TLS = False
MAIL_USE_SSL = False
MAIL_USERNAME = ""
MAIL_PASSWORD = ""
MAIL_DEFAULT_SENDER = "MARUF <noreply@maruf.example.org>"
MAIL_TIMEOUT = 20
# Absolute URL of the site, for links in mail (https://register.example.org). Empty: SERVED_URL,
# the address `make run` serves on (it sets MARUF_SERVED_URL), else http://127.0.0.1:5000.
BASE_URL = ""
SERVED_URL = ""

# Which forum the public pages serve; empty: the forum that starts last.
FORUM_SLUG = ""

# Interface languages: `?lang=` chooses among them; Arabic pages are right to left.
LANGUAGES = ("tr", "en", "ar")
BABEL_DEFAULT_LOCALE = "tr"

# Staff cookies: HttpOnly and SameSite always; Secure (and HSTS) when BASE_URL is https, unless set.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = None
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"
PERMANENT_SESSION_LIFETIME = 12 * 3600
# Tokens in forms last the whole working day of a desk or door volunteer.
WTF_CSRF_TIME_LIMIT = 16 * 3600

# Rate limits (Flask-Limiter syntax). RATELIMIT_ENABLED = False turns them off (benchmarks).
# "Address" is the client's, as the trusted proxies saw it (PROXY_HOPS): thousands of people may
# share one venue Wi-Fi address, so limits per address are generous and the tight ones are per
# e-mail address, per account or per personal link.
RATELIMIT_ENABLED = True
# Where counts are kept: memory (one process), or REDIS_URL when set (shared by every app server).
RATELIMIT_STORAGE_URI = ""
# One window each: every window is a round trip to Redis on every sign-up.
RATELIMIT_SIGNUP = "600 per minute"  # per address
RATELIMIT_SIGNUP_EMAIL = "10 per hour"  # per e-mail address signed up
RATELIMIT_RESEND = "120 per minute"  # per address
RATELIMIT_RESEND_EMAIL = "5 per hour"  # per e-mail address asked for
# Failed staff log-ins: per account and address (nobody can lock staff out from elsewhere), and
# per address over all accounts (one address cannot try password after password).
RATELIMIT_LOGIN = "10 per minute;50 per hour"
RATELIMIT_LOGIN_ADDRESS = "30 per minute;300 per hour"
# People search at the desk and the door: per staff user or API token.
RATELIMIT_SEARCH = "240 per minute"
# Personal badge and certificate downloads: per personal link.
RATELIMIT_BADGE = "30 per minute"
RATELIMIT_CERTIFICATE = "10 per minute;100 per day"

# How long the sign-up page (and the seat counts it shows) may be served from memory. Bookings
# never rely on these counts: they count under a lock. Sign-ups come in rushes.
SIGNUP_PAGE_SECONDS = 1.0

# The room screen (/screen) on the venue's TVs: how long a process keeps its figures, and how
# often each screen asks again (seconds).
SCREEN_SECONDS = 10.0
SCREEN_REFRESH_SECONDS = 20

# How long (seconds) the public programme booklet (PDF) is kept before it is drawn again.
BOOKLET_SECONDS = 300

# Werkzeug's password hash for staff users (tests use a cheap one).
PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105  (a method name, not a password)

# Personal data (the privacy notice says so): kept this many days after the forum's last day,
# then anonymised with `flask anonymise --forum SLUG` (statistics kept).
DATA_RETENTION_DAYS = 365

# Uploaded speaker photos.
MAX_CONTENT_LENGTH = 16 * 1024 * 1024

# How long (seconds) a write waits for the database's write lock (SQLite) or a row lock
# (PostgreSQL's lock_timeout) before the request answers 503 with Retry-After.
WRITE_LOCK_TIMEOUT = 10

# A pooled PostgreSQL connection idle this many seconds is checked before use (a restarted server,
# a dropped connection); 0 checks every connection every time (a round trip a request).
DATABASE_PING_AFTER = 5

# Trusted proxies in front of the app servers (nginx: 1). 0 trusts no X-Forwarded-* header.
PROXY_HOPS = 0

# Generated files (badge batches, certificates): empty keeps them in the database (in chunks,
# nothing to share but the database); a folder every app server and worker mounts keeps them there.
FILES_PATH = ""
# Generated files are removed this many days after they were made.
FILES_KEEP_DAYS = 7

# Running jobs write a heartbeat this often (seconds); any worker fails a job whose heartbeat is
# older than JOB_STALE_SECONDS (its worker or host was lost) and removes what it stored.
JOB_HEARTBEAT_SECONDS = 10
JOB_STALE_SECONDS = 60
# How often (seconds) each worker says it is alive and looks for stale jobs and old files.
WORKER_UPKEEP_SECONDS = 20

# Logs: "text" (readable) or "json" (one object a line, with the request's id).
LOG_FORMAT = "text"

# Organisers' messages: how many mails per minute a message is sent at unless its form says
# otherwise (0: as fast as the mail server takes them).
MESSAGE_RATE = 600
# Check-in. A scan whose time is further than this from the server's clock is refused (`bad_time`):
# offline devices sync within a day; a device's clock may run a few minutes ahead.
SCAN_MAX_PAST_SECONDS = 24 * 3600
SCAN_MAX_FUTURE_SECONDS = 10 * 60
# A device that sends its clock (`sent_at`) and is off by more than this has its scan times
# corrected by the difference (a tablet a day fast files its scans on the right day).
SCAN_CLOCK_TOLERANCE_SECONDS = 60
# A session's door opens this many minutes before the session starts and closes this many minutes
# after it ends (each point may say otherwise); outside, badges get NOT NOW.
SESSION_DOOR_OPENS_MINUTES = 30
SESSION_DOOR_CLOSES_MINUTES = 0
# A session's door that counts exits, when the room is full: "refuse" (ROOM FULL) or "warn"
# (admitted, with a warning); each point may say otherwise.
SESSION_DOOR_FULL_POLICY = "refuse"
