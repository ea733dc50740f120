#!/usr/bin/env bash
# Build a Debian minbase root filesystem and write it as a tarball for `docker import`.
# Usage: rootfs.sh OUTPUT.tar [CACHE_DIR]
# Env: DEBIAN_SUITE (bookworm), DEBIAN_ARCH (default: the host's; another runs its second
# stage under qemu-user-static through binfmt_misc), DEBIAN_MIRROR, DEBIAN_SECURITY_MIRROR.
# The mirrors default to the ones this host's apt already uses, so the image reaches what
# the host reaches.
set -euo pipefail

out=${1:?usage: rootfs.sh OUTPUT.tar [CACHE_DIR]}
cache=${2:-}
suite=${DEBIAN_SUITE:-bookworm}

# The first apt source URI whose suite matches $1 (a regex), from deb822 or one-line files.
host_mirror() {
    local want=$1
    {
        awk -v want="$want" '
            /^URIs:/ { uri = $2 }
            /^Suites:/ { for (i = 2; i <= NF; i++) if ($i ~ want) { print uri; exit } }
        ' /etc/apt/sources.list.d/*.sources 2>/dev/null || true
        awk -v want="$want" '$1 == "deb" && $3 ~ want { print $2; exit }' \
            /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true
    } | head -n 1
}
mirror=${DEBIAN_MIRROR:-$(host_mirror "^[a-z]+$")}
security=${DEBIAN_SECURITY_MIRROR:-$(host_mirror "-security$")}
[[ -n "$mirror" ]] || { echo "rootfs.sh: no Debian mirror in /etc/apt; set DEBIAN_MIRROR" >&2; exit 2; }
[[ -n "$security" ]] || { echo "rootfs.sh: no Debian security mirror in /etc/apt; set DEBIAN_SECURITY_MIRROR" >&2; exit 2; }

root=$(mktemp -d "${TMPDIR:-/tmp}/imagetest-rootfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
# mktemp makes it 0700, and the tarball's "." carries that: Podman applies it to the image's
# / (rootless, no one but root could then read /usr), where Docker keeps 0755.
chmod 0755 "$root"

args=(--variant=minbase --merged-usr)
[[ -n "${DEBIAN_ARCH:-}" ]] && args+=(--arch="$DEBIAN_ARCH")
if [[ -n "$cache" ]]; then
    mkdir -p "$cache"
    args+=(--cache-dir="$(realpath "$cache")")
fi
debootstrap "${args[@]}" "$suite" "$root" "$mirror"

# Same sources as the official debian image, over plain http (no host CA needed).
rm -f "$root/etc/apt/sources.list"
cat >"$root/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: $mirror
Suites: $suite $suite-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: $suite-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES

# Container-friendly defaults: no recommends, no docs/man/locales, no daemons started by dpkg.
cat >"$root/etc/apt/apt.conf.d/90imagetest" <<'APT'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
APT
cat >"$root/etc/dpkg/dpkg.cfg.d/90imagetest" <<'DPKG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
DPKG
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"

# Drop what a container never needs and what varies between runs.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin \
    "$root"/var/cache/apt/archives/*.deb "$root"/var/log/*.log \
    "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
    "$root"/tmp/* "${root:?}"/dev/*
: >"$root/etc/machine-id"
echo "imagetest" >"$root/etc/hostname"

tar --numeric-owner --xattrs -C "$root" -cf "$out" .
