#!/usr/bin/env bash
# Baseline for bench/bringup.py: the same networks and containers, made with plain
# `docker network create` / `docker create`+`connect`+`start`, all in parallel.
#
#   baseline_bringup.sh up SPEC      create everything SPEC lists
#   baseline_bringup.sh down SPEC    remove it again
#
# SPEC (written by bringup.py from the range's plan), one object per line:
#   network NAME SUBNET GATEWAY
#   container NAME IMAGE HOSTNAME CAPS SYSCTL MEMORY CPUS PIDS NET=IP [NET=IP ...]
# CAPS and SYSCTL are "-" when empty. Everything gets label cyberrange.range=$LABEL.
set -euo pipefail

ACTION="$1"
SPEC="$2"
LABEL="${BASELINE_LABEL:-h4bench-baseline}"

make_container() {
    local name="$1" image="$2" hostname="$3" caps="$4" sysctl="$5" memory="$6" cpus="$7" pids="$8"
    shift 8
    local first="$1"
    shift
    local extra=()
    [ "$caps" != "-" ] && extra+=(--cap-add "$caps")
    [ "$sysctl" != "-" ] && extra+=(--sysctl "$sysctl")
    docker create --name "$name" --hostname "$hostname" --label "cyberrange.range=$LABEL" \
        --network "${first%%=*}" --ip "${first#*=}" --memory "$memory" --cpus "$cpus" \
        --pids-limit "$pids" --restart unless-stopped --pull never "${extra[@]}" "$image" >/dev/null
    for pair in "$@"; do
        docker network connect --ip "${pair#*=}" "${pair%%=*}" "$name"
    done
    docker start "$name" >/dev/null
}

up() {
    while read -r kind name subnet gateway; do
        [ "$kind" = network ] || continue
        docker network create --internal --subnet "$subnet" --gateway "$gateway" \
            --label "cyberrange.range=$LABEL" "$name" >/dev/null &
    done <"$SPEC"
    wait
    while read -r kind rest; do
        [ "$kind" = container ] || continue
        # shellcheck disable=SC2086  # the spec's fields are single words by construction
        make_container $rest &
    done <"$SPEC"
    wait
}

down() {
    while read -r kind name _; do
        [ "$kind" = container ] && docker rm -f -v "$name" >/dev/null &
    done <"$SPEC"
    wait
    while read -r kind name _; do
        [ "$kind" = network ] && docker network rm "$name" >/dev/null &
    done <"$SPEC"
    wait
}

case "$ACTION" in
    up) up ;;
    down) down ;;
    *) echo "usage: $0 up|down SPEC" >&2; exit 2 ;;
esac
