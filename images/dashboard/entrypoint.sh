#!/bin/sh
# Roles: "web" migrates then serves; anything else runs as given (e.g. the worker:
# python manage.py run_dispatcher). Both wait for the database first.
set -eu

wait_db() {
    python manage.py wait_for_database --timeout "${DB_WAIT_SECONDS:-60}"
}

case "${1:-web}" in
    web)
        case ",${DASHBOARD_TEST_BUGS:-}," in
            *,stale-pidfile,*)  # test bug: a pid file the start writes and no stop removes
                if [ -e /tmp/dashboard-web.pid ]; then
                    echo "web is already running (pid $(cat /tmp/dashboard-web.pid))" >&2
                    exit 1
                fi
                echo $$ >/tmp/dashboard-web.pid
                ;;
        esac
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
