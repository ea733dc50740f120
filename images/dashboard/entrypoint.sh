#!/bin/sh
# Roles: "web" migrates then serves; anything else runs as given (e.g. the worker:
# python manage.py run_dispatcher). Both wait for the database first.
set -eu

wait_db() {
    python manage.py wait_for_database --timeout "${DB_WAIT_SECONDS:-60}"
}

case "${1:-web}" in
    web)
        wait_db
        python manage.py migrate --noinput
        exec gunicorn django_config.wsgi:application \
            --bind 0.0.0.0:8000 \
            --workers "${WEB_WORKERS:-2}" \
            --access-logfile - \
            --error-logfile - \
            --forwarded-allow-ips "*"
        ;;
    *)
        exec "$@"
        ;;
esac
