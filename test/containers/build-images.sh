#!/usr/bin/env bash
# Makes the container images the tests and the CWL v1.2 conformance suite name, offline: no image
# registry is reachable from CI, Debian's package mirror is. One Debian bookworm root filesystem
# (mmdebstrap, minbase + python3, `python` -> python3) serves all four names the suite uses:
#   docker.io/library/debian:stable-slim, docker.io/library/python:3-slim,
#   docker.io/library/alpine:latest      (the same image, tagged three times)
#   docker.io/library/bash:4.4           (the base image with an entrypoint that behaves as the
#                                         Docker library bash image's: arguments starting with `-`
#                                         (or none) go to bash, anything else runs as a command. The
#                                         suite's docker_entrypoint test passes `-c ...`; colon_in_paths
#                                         and others run `bash -c ...` in it)
# Idempotent: images already there are kept, so a machine that keeps /var/lib/containers (podman's
# store) builds them once. With --docker, the images are also copied from podman into Docker's
# store (podman save | docker load) when dockerd answers and Docker lacks them.
# Environment: PODMAN (default podman; e.g. CONTAINERS_STORAGE_CONF picks another store),
# DOCKER (default docker), SUITE (default bookworm).
set -euo pipefail

PODMAN=${PODMAN:-podman}
DOCKER=${DOCKER:-docker}
SUITE=${SUITE:-bookworm}
BASE=docker.io/library/debian:stable-slim
SAME_AS_BASE=(docker.io/library/python:3-slim docker.io/library/alpine:latest)
BASH_IMAGE=docker.io/library/bash:4.4
ALL=("$BASE" "${SAME_AS_BASE[@]}" "$BASH_IMAGE")

log() { printf 'build-images: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

with_docker=false
[ "${1:-}" = "--docker" ] && with_docker=true

missing=()
for image in "$BASE" "${SAME_AS_BASE[@]}"; do
  "$PODMAN" image exists "$image" || missing+=("$image")
done

if [ ${#missing[@]} -eq 0 ]; then
  log "podman has the base images already"
else
  command -v mmdebstrap >/dev/null 2>&1 || die "mmdebstrap is not installed (apt-get install mmdebstrap)"
  work=$(mktemp -d /tmp/pcwl-build-images-XXXXXX)
  trap 'rm -rf "$work"' EXIT
  log "missing in podman: ${missing[*]}; building a $SUITE root filesystem with mmdebstrap"
  mmdebstrap --quiet --variant=minbase --include=python3 \
    --customize-hook='ln -sf python3 "$1/usr/bin/python"' \
    "$SUITE" "$work/rootfs.tar"
  if ! "$PODMAN" image exists "$BASE"; then
    "$PODMAN" import --quiet "$work/rootfs.tar" "$BASE" >/dev/null
    log "imported $BASE"
  fi
  for image in "${SAME_AS_BASE[@]}"; do
    if ! "$PODMAN" image exists "$image"; then "$PODMAN" tag "$BASE" "$image"; log "tagged $image"; fi
  done
fi

# bash:4.4 from the base image, rebuilt when its entrypoint is not ours (an earlier version of this
# script made it with ENTRYPOINT ["/bin/bash"], under which `bash -c ...` fails).
ENTRYPOINT=/usr/local/bin/docker-entrypoint.sh
if [ "$("$PODMAN" image inspect --format '{{json .Config.Entrypoint}}' "$BASH_IMAGE" 2>/dev/null)" != "[\"$ENTRYPOINT\"]" ]; then
  ctx=$(mktemp -d /tmp/pcwl-bash-image-XXXXXX)
  cat > "$ctx/docker-entrypoint.sh" <<'SCRIPT'
#!/bin/sh
# Options (or no arguments) are bash's; anything else is a command to run.
if [ "$#" -eq 0 ] || [ "${1#-}" != "$1" ]; then set -- bash "$@"; fi
exec "$@"
SCRIPT
  chmod 755 "$ctx/docker-entrypoint.sh"
  printf 'FROM %s\nCOPY docker-entrypoint.sh %s\nENTRYPOINT ["%s"]\n' "$BASE" "$ENTRYPOINT" "$ENTRYPOINT" > "$ctx/Containerfile"
  "$PODMAN" build --quiet --pull=never -t "$BASH_IMAGE" -f "$ctx/Containerfile" "$ctx" >/dev/null
  rm -rf "$ctx"
  log "built $BASH_IMAGE (entrypoint $ENTRYPOINT)"
fi

# Check what was made: python runs in the base image, bash:4.4's entrypoint is bash.
"$PODMAN" run --rm "$BASE" python -c 'print("ok")' >/dev/null || die "python does not run in $BASE (is podman configured? docs/containers.md)"
[ "$("$PODMAN" run --rm "$BASH_IMAGE" -c 'echo moo')" = moo ] || die "$BASH_IMAGE does not run its arguments with bash"
[ "$("$PODMAN" run --rm "$BASH_IMAGE" bash -c 'echo moo')" = moo ] || die "$BASH_IMAGE does not run a command given to it"

if $with_docker; then
  "$DOCKER" info >/dev/null 2>&1 || die "--docker: dockerd does not answer (start it with test/containers/start-dockerd.sh)"
  to_copy=()
  for image in "${ALL[@]}"; do
    # Missing, or not podman's image (an older build of it): copied again.
    want=$("$PODMAN" image inspect --format '{{.Id}}' "$image")
    have=$("$DOCKER" image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
    [ "${have#sha256:}" = "${want#sha256:}" ] || to_copy+=("$image")
  done
  if [ ${#to_copy[@]} -gt 0 ]; then
    log "copying ${to_copy[*]} from podman to docker"
    # One archive for all of them: their layers are the same and are written once.
    "$PODMAN" save --multi-image-archive "${to_copy[@]}" 2>/dev/null | "$DOCKER" load >/dev/null
    for image in "${to_copy[@]}"; do
      "$DOCKER" image inspect "$image" >/dev/null 2>&1 || die "$image is not in docker after the copy"
    done
  fi
  [ "$("$DOCKER" run --rm "$BASH_IMAGE" -c 'echo moo')" = moo ] || die "$BASH_IMAGE does not run in docker"
  log "docker has all ${#ALL[@]} images"
fi
log "done"
