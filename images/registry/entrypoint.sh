#!/bin/sh
# Serve the registry; with IMAGETEST_REGISTRY_USER and IMAGETEST_REGISTRY_PASSWORD set,
# require basic auth for that one user. The names avoid the REGISTRY_ prefix, which the
# registry reads as overrides of its configuration.
set -eu

config=/etc/imagetest-registry/config.yml
user=${IMAGETEST_REGISTRY_USER:-}
password=${IMAGETEST_REGISTRY_PASSWORD:-}
unset IMAGETEST_REGISTRY_USER IMAGETEST_REGISTRY_PASSWORD

if [ -n "$user" ] || [ -n "$password" ]; then
    if [ -z "$user" ] || [ -z "$password" ]; then
        echo "imagetest-registry: set both IMAGETEST_REGISTRY_USER and IMAGETEST_REGISTRY_PASSWORD" >&2
        exit 2
    fi
    # -i reads the password from stdin, so it never shows in the process list.
    printf '%s\n' "$password" | htpasswd -B -i -n "$user" >/run/imagetest-registry/htpasswd
    config=/etc/imagetest-registry/config-auth.yml
    echo "imagetest-registry: basic auth enabled for one user"
fi

exec /usr/bin/docker-registry serve "$config"
