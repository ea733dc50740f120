#!/bin/bash
# Build time: migrate AWX into a throwaway PostgreSQL 15, load what an install loads (admin,
# the demo objects, the execution environments, this node and its queues) and dump it to $1.
set -euo pipefail
out=${1:?usage: prepare-db.sh OUTPUT.dump}
pgbin=/usr/lib/postgresql/15/bin
data=$(mktemp -d)
chown postgres "$data"
su postgres -c "$pgbin/initdb -D $data -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >/dev/null
su postgres -c "$pgbin/pg_ctl -D $data -w -o '-c listen_addresses=127.0.0.1 -c fsync=off' start" >/dev/null
redis-server --port 6379 --bind 127.0.0.1 --save '' --daemonize yes >/dev/null
psql -q -h 127.0.0.1 -U postgres -c "create database awx"
export AWX_DB_HOST=127.0.0.1 AWX_DB_USER=postgres AWX_DB_PASSWORD=unused AWX_REDIS_URL=redis://127.0.0.1:6379/5
start=$(date +%s)
awx-manage migrate --noinput >/tmp/migrate.log 2>&1 || { tail -30 /tmp/migrate.log; exit 1; }
echo "migrate took $(($(date +%s) - start)) s"
# The real password is set at each start (entrypoint.sh); this one never leaves the build.
DJANGO_SUPERUSER_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_hex(16))') \
    awx-manage createsuperuser --noinput --username=admin --email=admin@localhost
awx-manage create_preload_data
awx-manage register_default_execution_environments
awx-manage provision_instance --hostname=awx --node_type=hybrid
awx-manage register_queue --queuename=controlplane --instance_percent=100
awx-manage register_queue --queuename=default --instance_percent=100
pg_dump -h 127.0.0.1 -U postgres -Fc --no-owner -f "$out" awx
su postgres -c "$pgbin/pg_ctl -D $data -m fast -w stop" >/dev/null
redis-cli shutdown nosave >/dev/null 2>&1 || true
rm -rf "$data"
