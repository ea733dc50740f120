#!/bin/sh
# Like the official redis image: `redis-server ARGS` (or just ARGS) runs the server with
# protected mode off, because the private compose network is the only way in.
# Later arguments still win, so `--protected-mode yes` can turn it back on.
set -e
case "$1" in
-*) set -- redis-server "$@" ;;
esac
if [ "$1" = redis-server ]; then
    shift
    set -- redis-server --protected-mode no "$@"
fi
exec "$@"
