# AWX production settings for this image; the stack gives the database and Redis by env.
import os
from pathlib import Path

SECRET_KEY = Path("/etc/tower/SECRET_KEY").read_text().strip()
# entrypoint.sh moves the password from the environment to this file: AWX copies its own
# environment into every job's job_env, which the API shows.
DB_PASSWORD_FILE = Path("/var/lib/awx/.db_password")
DB_PASSWORD = (
    DB_PASSWORD_FILE.read_text().strip()
    if DB_PASSWORD_FILE.is_file()
    else os.environ["AWX_DB_PASSWORD"]
)
DATABASES = {
    "default": {
        "ATOMIC_REQUESTS": True,
        "ENGINE": "awx.main.db.profiled_pg",
        "NAME": os.environ["AWX_DB_NAME"],
        "USER": os.environ["AWX_DB_USER"],
        "PASSWORD": DB_PASSWORD,
        "HOST": os.environ["AWX_DB_HOST"],
        "PORT": os.environ["AWX_DB_PORT"],
    }
}
BROKER_URL = os.environ["AWX_REDIS_URL"]
CACHES = {"default": {"BACKEND": "awx.main.cache.AWXRedisCache", "LOCATION": BROKER_URL}}
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [BROKER_URL], "capacity": 10000, "group_expiry": 157784760},
    }
}
ALLOWED_HOSTS = ["*"]
# One node, named the same at build time (the migrated database holds its instance) and run.
CLUSTER_HOST_ID = "awx"
SYSTEM_UUID = "00000000-0000-0000-0000-000000000000"
STATIC_ROOT = "/var/lib/awx/public/static"
PROJECTS_ROOT = "/var/lib/awx/projects/"
JOBOUTPUT_ROOT = "/var/lib/awx/job_status/"
LOG_ROOT = "/var/log/tower/"
BROADCAST_WEBSOCKET_SECRET = "imagetest-broadcast"
BROADCAST_WEBSOCKET_PORT = 8013
BROADCAST_WEBSOCKET_VERIFY_CERT = False
BROADCAST_WEBSOCKET_PROTOCOL = "http"
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
