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
# Absolute URL of the site, for links in mail (https://register.example.org).
BASE_URL = "http://127.0.0.1:5000"

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
RATELIMIT_ENABLED = True
# Where counts are kept: memory (one process), or REDIS_URL when set.
RATELIMIT_STORAGE_URI = ""
RATELIMIT_SIGNUP = "20 per minute;200 per hour"
RATELIMIT_RESEND = "5 per minute;30 per hour"
RATELIMIT_LOGIN = "10 per minute;100 per hour"
RATELIMIT_SEARCH = "120 per minute"
# Personal badge downloads (a badge PDF costs a render).
RATELIMIT_BADGE = "30 per minute"

# How long the sign-up page (and the seat counts it shows) may be served from memory. Bookings
# never rely on these counts: they count under a lock. Sign-ups come in rushes.
SIGNUP_PAGE_SECONDS = 1.0

# How long (seconds) the public programme booklet (PDF) is kept before it is drawn again.
BOOKLET_SECONDS = 300

# Werkzeug's password hash for staff users (tests use a cheap one).
PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105  (a method name, not a password)

# Personal data (the privacy notice says so): kept this many days after the forum's last day,
# then anonymised with `flask anonymise --forum SLUG` (statistics kept).
DATA_RETENTION_DAYS = 365

# Uploaded speaker photos.
MAX_CONTENT_LENGTH = 16 * 1024 * 1024
