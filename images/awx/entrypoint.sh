#!/bin/bash
# Start: the stack's PostgreSQL gets the pre-migrated AWX database the first time, the admin
# password comes from the environment, then supervisord runs the controller's processes.
set -euo pipefail
: "${AWX_DB_USER:?}" "${AWX_DB_PASSWORD:?}" "${AWX_ADMIN_PASSWORD:?}"
export PGPASSWORD=$AWX_DB_PASSWORD
psql_() { psql -h "$AWX_DB_HOST" -p "$AWX_DB_PORT" -U "$AWX_DB_USER" -d postgres -Atq "$@"; }
for _ in $(seq 1 60); do psql_ -c 'select 1' >/dev/null 2>&1 && break; sleep 1; done
if [ -z "$(psql_ -c "select 1 from pg_database where datname = '$AWX_DB_NAME'")" ]; then
    psql_ -c "create database \"$AWX_DB_NAME\""
    pg_restore -h "$AWX_DB_HOST" -p "$AWX_DB_PORT" -U "$AWX_DB_USER" -d "$AWX_DB_NAME" \
        --no-owner /opt/awx/awx.dump
    echo "awx: database $AWX_DB_NAME restored from the image's migrated dump"
fi
unset PGPASSWORD
# AWX copies its environment into every job's job_env (shown by the API): no secret stays in it.
(umask 077 && printf '%s' "$AWX_DB_PASSWORD" > /var/lib/awx/.db_password)
unset AWX_DB_PASSWORD
awx-manage update_password --username=admin --password="$AWX_ADMIN_PASSWORD" >/dev/null
unset AWX_ADMIN_PASSWORD
exec supervisord -n -c /etc/supervisor/awx.conf
