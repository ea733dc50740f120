#!/bin/sh
# Healthy only when the target database answers a query over TCP: during init the
# temporary server listens on the unix socket only, so this fails until it is really up.
# The same command line works in the official postgres:15 image:
#   psql -h 127.0.0.1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -tAc 'select 1'
user=${POSTGRES_USER:-postgres}
db=${POSTGRES_DB:-$user}
exec psql -h 127.0.0.1 -p 5432 -U "$user" -d "$db" -XtAqc 'select 1' >/dev/null
