#!/usr/bin/env bash
# The main step of the composite action (action.yml at the repository root).
#
# Inputs arrive as environment variables, never pasted into script text:
#   ACTION_IMAGE        image under test (a tag to pull, or a local image); with a context,
#                       the tag to give the build (default localhost/imagetest/dashboard:context)
#   ACTION_CONTEXT      a checkout to build the image from (relative to the workspace)
#   ACTION_DOCKERFILE   Dockerfile for the context, relative to the context
#   ACTION_PUBLIC_BASE  true|false: build the context on public base images
#   ACTION_REF          a commit, branch or tag of the context to build (needs public-base)
#   ACTION_BISECT       GOOD..BAD: `invoke bisect` over the context's history instead of the test
#   ACTION_BISECT_SCENARIO / ACTION_BISECT_FIXED
#                       the scenario that judges each commit; true: look for the fix
#   ACTION_PROFILE      reference, upstream or a YAML path (default: upstream with a
#                       context, else reference)
#   ACTION_AAP_VERSION  2.4, 2.5, 2.6 (`invoke test-image`) or all (`invoke matrix`)
#   ACTION_SCENARIOS    true|false: run the regression scenarios (`invoke scenarios`, or
#                       `invoke matrix --scenarios` for all) instead of the single test
#   ACTION_EXPECTED     expected counts YAML (one AAP version only)
#   ACTION_TIMEOUT      seconds per stage
#   ACTION_PLATFORM     linux/amd64 or linux/arm64: build and run every image for it
#                       (default: the runner's; another runs under qemu emulation)
#   ACTION_REGISTRY_USERNAME / ACTION_REGISTRY_PASSWORD
#                       credentials for a private image; when set they become the
#                       harness's REGISTRY_USERNAME / REGISTRY_PASSWORD
#   ACTION_ARTIFACTS    where the run's artifacts go
# Relative paths are relative to GITHUB_WORKSPACE (default: the current directory), the
# caller's checkout; the harness itself runs from this repository.
#
# It runs scripts/setup.sh, `invoke build` when a context is given, then the test; writes
# the job summary ($GITHUB_STEP_SUMMARY) and outputs ($GITHUB_OUTPUT) when they are set,
# and exits with the harness's exit code (2 for bad input or a failed setup). Locally:
#   ACTION_AAP_VERSION=2.6 bash scripts/ci_action.sh
set -euo pipefail

harness=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
workspace=${GITHUB_WORKSPACE:-$PWD}
AAP_VERSIONS=(2.4 2.5 2.6) # imagetest.core.config.AAP_VERSIONS; a test keeps them equal
PROFILES=(reference upstream)
CONTEXT_TAG=localhost/imagetest/dashboard:context
EXIT_NOT_RUN=2 # the harness's code for "a stage could not run"

say() { echo "[action] $*"; }

# One line for the log (an annotation on GitHub) and the job summary; then exit.
fail() {
    local code=$1 message=$2
    echo "::error title=imagetest::$message" >&2
    append_summary "### ❌ imagetest: ERROR (exit $code)" "" "$message"
    write_outputs "$code"
    exit "$code"
}

append_summary() {
    [[ -n ${GITHUB_STEP_SUMMARY:-} ]] || return 0
    printf '%s\n' "$@" >>"$GITHUB_STEP_SUMMARY"
}

write_outputs() {
    [[ -n ${GITHUB_OUTPUT:-} ]] || return 0
    printf 'exit-code=%s\nartifacts=%s\n' "$1" "$artifacts" >>"$GITHUB_OUTPUT"
}

absolute() {
    if [[ $1 == /* ]]; then echo "$1"; else echo "$workspace/$1"; fi
}

one_of() {
    local word=$1 choice
    shift
    for choice in "$@"; do [[ $word == "$choice" ]] && return 0; done
    return 1
}

# -- inputs -------------------------------------------------------------------------

image=${ACTION_IMAGE:-}
context=${ACTION_CONTEXT:-}
dockerfile=${ACTION_DOCKERFILE:-}
public_base=${ACTION_PUBLIC_BASE:-false}
ref=${ACTION_REF:-}
bisect=${ACTION_BISECT:-}
bisect_scenario=${ACTION_BISECT_SCENARIO:-plain-test-image}
bisect_fixed=${ACTION_BISECT_FIXED:-false}
profile=${ACTION_PROFILE:-}
aap_version=${ACTION_AAP_VERSION:-2.6}
scenarios=${ACTION_SCENARIOS:-false}
expected=${ACTION_EXPECTED:-}
timeout=${ACTION_TIMEOUT:-}
platform=${ACTION_PLATFORM:-}
artifacts=$(absolute "${ACTION_ARTIFACTS:-.artifacts/imagetest}")

check_inputs() {
    if ! one_of "$aap_version" "${AAP_VERSIONS[@]}" all; then
        fail "$EXIT_NOT_RUN" "unknown aap-version '$aap_version': use ${AAP_VERSIONS[*]} or all"
    fi
    if ! one_of "$scenarios" true false; then
        fail "$EXIT_NOT_RUN" "scenarios must be true or false, not '$scenarios'"
    fi
    if ! one_of "$public_base" true false; then
        fail "$EXIT_NOT_RUN" "public-base must be true or false, not '$public_base'"
    fi
    if ! one_of "$bisect_fixed" true false; then
        fail "$EXIT_NOT_RUN" "bisect-fixed must be true or false, not '$bisect_fixed'"
    fi
    if [[ ($ref || $bisect) && -z $context ]]; then
        fail "$EXIT_NOT_RUN" "ref and bisect work on a context's history: set context to a clone (fetch-depth 0)"
    fi
    if [[ $ref && $public_base == false ]]; then
        fail "$EXIT_NOT_RUN" "ref builds with the public-base recipe: set public-base to true"
    fi
    # git refs never hold "..": the first one splits the two ends.
    if [[ $bisect && ! $bisect =~ ^[^[:space:]]+[.][.][^[:space:]]+$ ]]; then
        fail "$EXIT_NOT_RUN" "bisect must be GOOD..BAD (two refs), not '$bisect'"
    fi
    if [[ $timeout && ! $timeout =~ ^[0-9]+([.][0-9]+)?$ ]]; then
        fail "$EXIT_NOT_RUN" "timeout must be a number of seconds, not '$timeout'"
    fi
    if [[ -z $context ]]; then
        [[ $public_base == false ]] ||
            fail "$EXIT_NOT_RUN" "public-base applies to a context build: set context too"
        [[ -z $dockerfile ]] ||
            fail "$EXIT_NOT_RUN" "dockerfile applies to a context build: set context too"
    else
        context=$(absolute "$context")
        [[ -d $context ]] ||
            fail "$EXIT_NOT_RUN" "context $context is not a directory: check out the source there first"
        if [[ $dockerfile ]]; then
            [[ $dockerfile == /* ]] || dockerfile=$context/$dockerfile
            [[ -f $dockerfile ]] ||
                fail "$EXIT_NOT_RUN" "dockerfile $dockerfile does not exist: give a path relative to the context"
        fi
    fi
    if [[ -z $profile ]]; then
        if [[ $context ]]; then profile=upstream; else profile=reference; fi
    elif ! one_of "$profile" "${PROFILES[@]}"; then
        profile=$(absolute "$profile")
        [[ -f $profile ]] ||
            fail "$EXIT_NOT_RUN" "profile $profile is neither ${PROFILES[*]} nor a file: fix the profile input"
    fi
    if [[ $expected ]]; then
        [[ $aap_version != all ]] ||
            fail "$EXIT_NOT_RUN" "expected is one AAP version's counts: set aap-version to one version, or leave expected empty"
        [[ $scenarios == false ]] ||
            fail "$EXIT_NOT_RUN" "expected applies to the single test, not to the scenarios: leave one of them empty"
        expected=$(absolute "$expected")
        [[ -f $expected ]] || fail "$EXIT_NOT_RUN" "expected file $expected does not exist"
    fi
}

# -- steps --------------------------------------------------------------------------

# The job summary is this script's to write (write_summary), also when the harness ends
# before its summary.json: the harness, which would append its own, does not see the file.
invoke_harness() {
    say "\$ invoke $*"
    (cd "$harness" && env -u GITHUB_STEP_SUMMARY .venv/bin/invoke "$@")
}

build_args() {
    local args=(build --context "$context" --image "$image")
    [[ -z $dockerfile ]] || args+=(--dockerfile "$dockerfile")
    [[ $public_base == false ]] || args+=(--public-base)
    [[ -z $ref ]] || args+=(--ref "$ref")
    [[ -z $platform ]] || args+=(--platform "$platform")
    printf '%s\0' "${args[@]}"
}

# GOOD..BAD; with bisect-fixed the older end is BAD (the scenario fails there).
bisect_args() {
    local good=${bisect%%..*} bad=${bisect#*..}
    local args=(bisect --context "$context" --good "$good" --bad "$bad"
        --scenario "$bisect_scenario" --artifacts "$artifacts")
    [[ $bisect_fixed == false ]] || args+=(--fixed)
    [[ -z $timeout ]] || args+=(--timeout "$timeout")
    printf '%s\0' "${args[@]}"
}

test_args() {
    local args
    if [[ $aap_version == all ]]; then
        local IFS=,
        args=(matrix --aap-versions "${AAP_VERSIONS[*]}")
        [[ $scenarios == false ]] || args+=(--scenarios)
    elif [[ $scenarios == true ]]; then
        args=(scenarios --aap-version "$aap_version")
    else
        args=(test-image --aap-version "$aap_version")
    fi
    args+=(--artifacts "$artifacts" --profile "$profile")
    [[ -z $image ]] || args+=(--image "$image")
    [[ -z $expected ]] || args+=(--expected "$expected")
    [[ -z $timeout ]] || args+=(--timeout "$timeout")
    [[ -z $platform ]] || args+=(--platform "$platform")
    printf '%s\0' "${args[@]}"
}

write_summary() {
    local code=$1 stage=$2
    [[ -n ${GITHUB_STEP_SUMMARY:-} ]] || return 0
    if ! "$harness/.venv/bin/python" "$harness/scripts/ci_summary.py" \
        --artifacts "$artifacts" --exit-code "$code" --stage "$stage" >>"$GITHUB_STEP_SUMMARY"; then
        append_summary "### imagetest: exit $code ($stage)" "" "Artifacts: \`$artifacts\`"
    fi
}

# Only when given: an empty input must not hide credentials set on the job.
export_credentials() {
    if [[ -n ${ACTION_REGISTRY_USERNAME:-} ]]; then export REGISTRY_USERNAME=$ACTION_REGISTRY_USERNAME; fi
    if [[ -n ${ACTION_REGISTRY_PASSWORD:-} ]]; then export REGISTRY_PASSWORD=$ACTION_REGISTRY_PASSWORD; fi
    unset ACTION_REGISTRY_USERNAME ACTION_REGISTRY_PASSWORD
}

main() {
    check_inputs
    export_credentials
    if [[ $context && -z $image ]]; then image=$CONTEXT_TAG; fi
    say "harness $harness; artifacts $artifacts; profile $profile; AAP $aap_version; scenarios $scenarios"

    local code=0 stage="setup" args=()
    bash "$harness/scripts/setup.sh" || fail "$EXIT_NOT_RUN" "scripts/setup.sh failed (see its [setup] lines above)"
    if [[ $bisect ]]; then
        stage="bisect"
        mapfile -d '' args < <(bisect_args)
        invoke_harness "${args[@]}" || code=$?
        say "exit $code after the bisect"
        write_outputs "$code"
        exit "$code"
    fi
    if [[ $context ]]; then
        stage="build"
        mapfile -d '' args < <(build_args)
        invoke_harness "${args[@]}" || code=$?
    fi
    if ((code == 0)); then
        stage="test"
        rm -f "$artifacts/summary.json" # a stale one would pass for this run's result
        mapfile -d '' args < <(test_args)
        invoke_harness "${args[@]}" || code=$?
    fi
    say "exit $code after the $stage step"
    write_summary "$code" "$stage"
    write_outputs "$code"
    exit "$code"
}

main
