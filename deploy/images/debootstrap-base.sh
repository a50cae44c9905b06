#!/bin/sh
# Build a minimal Debian bookworm base image with Python 3.11 from Debian's own packages and
# import it into Docker, for machines that cannot pull images from a registry (air-gapped
# builds, and the test suite). Needs root, debootstrap and a Debian mirror; the mirror is read
# from this machine's apt sources unless DEBIAN_MIRROR is set.
#
#   deploy/images/debootstrap-base.sh TAG          e.g. mediation-base:bookworm
#
# Then build the image on it: make containers BASE_IMAGE=TAG
set -eu

tag=${1:?usage: $0 IMAGE-TAG}
suite=${DEBIAN_SUITE:-bookworm}

mirror_from_apt_sources() {
    # deb822 files first (URIs: of a stanza whose Suites has the plain suite), then the
    # one-line format (deb URL SUITE ...).
    for file in /etc/apt/sources.list.d/*.sources; do
        [ -f "$file" ] || continue
        awk -v suite="$suite" '
            /^[[:space:]]*$/ { if (uri != "" && ok) { print uri; exit } uri = ""; ok = 0; next }
            /^URIs:/ { uri = $2 }
            /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) ok = 1 }
            END { if (uri != "" && ok) print uri }' "$file" | head -n 1
    done | head -n 1
    if [ -f /etc/apt/sources.list ]; then
        awk -v suite="$suite" '$1 == "deb" && $3 == suite { print $2; exit }' /etc/apt/sources.list
    fi
}

mirror=${DEBIAN_MIRROR:-$(mirror_from_apt_sources | head -n 1)}
if [ -z "$mirror" ]; then
    echo "no Debian mirror for $suite in /etc/apt/sources.list(.d); set DEBIAN_MIRROR" >&2
    exit 2
fi
command -v debootstrap >/dev/null || { echo "debootstrap is missing (apt-get install debootstrap)" >&2; exit 2; }

root=$(mktemp -d "${TMPDIR:-/tmp}/mediation-base.XXXXXX")
trap 'rm -rf "$root"' EXIT
debootstrap --variant=minbase --include=python3,python3-venv "$suite" "$root" "$mirror" >&2
# Nothing the image needs at run time: package lists and caches, documentation, and the
# machine's mirror (the image never installs packages).
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/var/cache/debconf/*-old \
    "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
    "$root"/var/log/* "$root"/tmp/*
: >"$root"/etc/apt/sources.list
tar -C "$root" --numeric-owner -c . | docker import \
    --change 'ENV LANG=C.UTF-8' --change 'CMD ["/bin/bash"]' - "$tag" >/dev/null
echo "$tag"
