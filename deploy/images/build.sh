#!/bin/sh
# `make containers`: the wheelhouse, built outside the image, then the image from it.
#
#   deploy/images/build.sh                      mediation:latest on python:3.11-slim-bookworm
#   BASE_IMAGE=mediation-base:bookworm MEDIATION_IMAGE=mediation:1.0 deploy/images/build.sh
#
# The wheelhouse (deploy/images/wheelhouse/) holds the project's own wheels (uv build), the
# locked third-party wheels for Linux, CPython 3.11 and this machine's architecture
# (pip download of `uv export`, checked against the lock's hashes) and the requirements
# file the image installs them from. Air-gapped: build the wheelhouse where the package
# index is reachable (WHEELHOUSE_ONLY=1), carry the directory over, then build the image
# there with SKIP_WHEELHOUSE=1.
set -eu
cd "$(dirname "$0")/../.."

image=${MEDIATION_IMAGE:-mediation:latest}
base=${BASE_IMAGE:-python:3.11-slim-bookworm}
uv=${UV:-uv}
python_version=3.11
wheelhouse=deploy/images/wheelhouse
# The deployables; their dependencies, not the local stack's (no nats-server in the image).
packages="mediation-contracts mediation-runtime mediation-intake mediation-scheduling
mediation-notes mediation-notifications mediation-insights mediation-mediator-client
mediation-gateway"

if [ "${SKIP_WHEELHOUSE:-0}" != 1 ]; then
    rm -rf "$wheelhouse"
    mkdir -p "$wheelhouse/project" "$wheelhouse/third-party"
    package_args=""
    for package in $packages; do package_args="$package_args --package $package"; done
    # shellcheck disable=SC2086
    $uv export --frozen --no-dev --no-emit-workspace --format requirements-txt \
        $package_args --output-file "$wheelhouse/requirements.txt" --quiet
    for package in $packages; do
        $uv build --quiet --wheel --package "$package" --out-dir "$wheelhouse/project"
    done
    case "$(uname -m)" in
        x86_64 | amd64) arch=x86_64 ;;
        aarch64 | arm64) arch=aarch64 ;;
        *) echo "unsupported architecture $(uname -m)" >&2; exit 2 ;;
    esac
    # Wheels for the image's Python and glibc (Debian bookworm: 2.36), whatever Python this
    # machine has; never a source build. pip takes each platform tag literally, so every
    # manylinux tag up to glibc 2.36 is named.
    platforms="--platform manylinux2014_$arch"
    glibc_minor=17
    while [ $glibc_minor -le 36 ]; do
        platforms="$platforms --platform manylinux_2_${glibc_minor}_$arch"
        glibc_minor=$((glibc_minor + 1))
    done
    # pip through uv: whatever Python runs this script (a venv without pip, under `uv run`).
    # shellcheck disable=SC2086
    $uv tool run --from pip pip download --quiet --disable-pip-version-check --no-deps --require-hashes \
        --only-binary :all: --implementation cp --python-version "$python_version" $platforms \
        --dest "$wheelhouse/third-party" -r "$wheelhouse/requirements.txt"
    echo "wheelhouse: $(ls "$wheelhouse/project" | wc -l) project wheels," \
        "$(ls "$wheelhouse/third-party" | wc -l) locked third-party wheels in $wheelhouse"
fi
[ "${WHEELHOUSE_ONLY:-0}" = 1 ] && exit 0

version=$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml | head -n 1)
docker build --pull=false --build-arg "BASE_IMAGE=$base" --build-arg "VERSION=$version" \
    --tag "$image" --file deploy/images/Dockerfile deploy/images
docker image prune --force --filter label=mediation.stage=build >/dev/null
size=$(docker image inspect --format '{{.Size}}' "$image")
echo "image: $image ($((size / 1000000)) MB)"
