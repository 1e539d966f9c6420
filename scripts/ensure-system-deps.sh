#!/bin/sh
# shellcheck disable=SC2086,SC2046,SC2116  # word splitting of package lists is wanted
# Install the Debian/Ubuntu packages the Station app needs, when some are missing.
#
#   sh scripts/ensure-system-deps.sh run    what `make run` needs: the shared libraries of the
#                                           Qt plugins and PySide6 modules the app loads, CJK fonts
#   sh scripts/ensure-system-deps.sh test   run + the PostgreSQL server and Xvfb (`make test`)
#   sh scripts/ensure-system-deps.sh dist   run + Xvfb for the frozen app's self-test, binutils
#                                           (objdump) and libpython3.X for PyInstaller (`make dist`)
#
# Safe to run again: when everything is installed it prints nothing and exits 0 (one dpkg-query).
# Missing packages are installed with apt-get (as root, or with `sudo -n` when that needs no
# password); otherwise it prints the one command to run and exits 1, because the app cannot
# start without them. On a system without dpkg/apt-get it says so in one line and exits 0.
# tests/unit/test_system_deps.py reads the list below and proves the `run` part complete
# (ldd on every plugin and module, dpkg -S on every library).

# The packages, by Debian 12 name. Each line: the commands that need them (`run` is part of
# every command), then the packages. When a name has no candidate in the package index, its
# Ubuntu 24.04 "t64" name is tried (libglib2.0-0t64, libcups2t64, libgtk-3-0t64 ...);
# "a|b" installs b where a is not in the index.
PACKAGES='
# C and C++ runtime, compression (always present on Debian; named for completeness)
run        libc6 libstdc++6 libgcc-s1 zlib1g libzstd1
# Qt core and GUI: GLib event loop, D-Bus, fonts (libQt6Core, libQt6Gui, libQt6DBus)
run        libglib2.0-0 libdbus-1-3 libfontconfig1 libfreetype6
# GL / EGL: QtGui and every plugin link libGL; xcbglintegrations (EGL and GLX)
run        libgl1 libegl1 libxcb-glx0
# keyboard (xkbcommon), QtGui and the xcb platform
run        libxkbcommon0 libxkbcommon-x11-0
# xcb platform plugin (platforms/libqxcb.so, libQt6XcbQpa): X11, xcb and its utility libraries
run        libx11-6 libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0
run        libxcb-keysyms1 libxcb-randr0 libxcb-render0 libxcb-render-util0 libxcb-shape0
run        libxcb-shm0 libxcb-sync1 libxcb-util1 libxcb-xfixes0 libxcb-xkb1
# GTK theme (platformthemes/libqgtk3.so); the portal theme needs only D-Bus
run        libgtk-3-0 libatk1.0-0 libcairo2 libcairo-gobject2 libgdk-pixbuf-2.0-0
run        libpango-1.0-0 libpangocairo-1.0-0 libharfbuzz0b
# printing (printsupport/libcupsprintersupport.so)
run        libcups2
# image formats (imageformats/*: gif, icns, ico, jpeg, svg, tga, tiff, wbmp, webp) bundle
# their codecs and need only GL and zlib, named above; libqpdf.so needs libQt6Pdf, which
# PySide6-Essentials does not ship, and is never loaded.
# PostgreSQL 15 server binaries for the tests (tests/pgserver.py finds /usr/lib/postgresql/*/bin)
test       postgresql-15|postgresql
# openssl: the TLS tests make a self-signed certificate with it
test       openssl
# Xvfb and xauth (xvfb-run needs both): the UI tests, the frozen app self-test (QT_QPA_PLATFORM=xcb)
test,dist  xvfb xauth
# PyInstaller (make dist) on Linux: objdump (binutils) to find the libraries of each binary,
# and the shared library of the python3 the venv is made from, which it bundles (Debian 12:
# libpython3.11; Ubuntu 24.04: libpython3.12t64; Debian 13: libpython3.13)
dist       binutils libpython3.11|libpython3.12|libpython3.13
'
# CJK fonts for the Chinese interface, only when fontconfig knows none (fc-list :lang=zh is empty)
CJK_FONTS='fonts-noto-cjk'

# Lists are split on spaces on purpose (package names have no glob characters; set -f).
set -u -f
me='ensure-system-deps'
mode="${1:-run}"
case "$mode" in
    run|test|dist) ;;
    *) echo "usage: sh $0 run|test|dist" >&2; exit 2 ;;
esac

# The entries for this mode, one a line ("a|b" kept together).
wanted=$(printf '%s\n' "$PACKAGES" | awk -v m="$mode" '
    /^[ \t]*(#|$)/ { next }
    { n = split($1, modes, ","); ok = 0
      for (i = 1; i <= n; i++) if (modes[i] == m || modes[i] == "run") ok = 1
      if (ok) for (j = 2; j <= NF; j++) print $j }')

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    echo "$me: no dpkg/apt-get here, so the system packages could not be checked; the app needs (Debian names): $(echo $wanted) $CJK_FONTS"
    exit 0
fi

# Every name that satisfies the entries read on stdin: each alternative of "a|b" and, for a
# library, its t64 name too.
names() {
    awk '{ n = split($0, alt, "|")
           for (i = 1; i <= n; i++) { print alt[i]; if (alt[i] ~ /^lib/) print alt[i] "t64" } }'
}

# One dpkg-query for all of them (names dpkg never heard of are just absent from its output),
# then the entries none of whose names is installed.
installed=$(dpkg-query -W -f='${Package} ${Status}\n' $(printf '%s\n' $wanted $CJK_FONTS | names) 2>/dev/null \
    | awk '$NF == "installed" && $(NF-2) == "install" { print $1 }')
not_installed() {
    { printf '%s\n' "$installed"; echo '--'; printf '%s\n' "$@"; } | awk '
        $0 == "--" { entries = 1; next }
        !entries { have[$0] = 1; next }
        { n = split($0, alt, "|"); ok = 0
          for (i = 1; i <= n; i++) if (have[alt[i]] || have[alt[i] "t64"]) ok = 1
          if (!ok) print }'
}

missing=$(not_installed $wanted)
if [ -n "$(not_installed $CJK_FONTS)" ]; then
    if ! command -v fc-list >/dev/null 2>&1 || [ -z "$(fc-list :lang=zh family 2>/dev/null | head -n 1)" ]; then
        missing="$missing $CJK_FONTS"
    fi
fi
missing=$(echo $missing)
[ -z "$missing" ] && exit 0

# Who runs apt-get: root itself, or sudo when it needs no password.
if [ "$(id -u)" = "0" ]; then
    as_root=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root="sudo -n"
else
    as_root="none"
fi

# Pick, for each missing entry, the first of its names that has a candidate in the index.
resolve() {
    candidates=$(apt-cache policy $(printf '%s\n' $missing | names) 2>/dev/null \
        | awk '/^[^ ].*:$/ { name = substr($0, 1, length($0) - 1) }
               /^  Candidate:/ { if ($2 != "(none)") print name }')
    packages=""
    for entry in $missing; do
        first=${entry%%|*}
        chosen=""
        for name in $(echo "$entry" | names); do
            if printf '%s\n' "$candidates" | grep -qxF "$name"; then chosen=$name; break; fi
        done
        if [ -z "$chosen" ]; then
            chosen=$first    # apt-get will say it cannot find it
        elif [ "$chosen" != "$first" ] && [ "$chosen" != "${first}t64" ]; then
            echo "$me: $first is not in the package index here; using the distribution's $chosen instead"
        fi
        packages="$packages $chosen"
    done
}

if [ "$as_root" = "none" ]; then
    resolve    # from the index as it is: no apt-get update without root
    echo "$me: missing system packages; the app cannot start without them. Run:" >&2
    echo "    sudo apt-get install --no-install-recommends$packages" >&2
    exit 1
fi

log=$(mktemp "${TMPDIR:-/tmp}/$me.XXXXXX") || exit 1
trap 'rm -f "$log"' EXIT
run_apt() {
    # apt-get quietly; its output (errors, without the progress lines) only when it fails
    if ! $as_root env DEBIAN_FRONTEND=noninteractive apt-get -q "$@" >"$log" 2>&1; then
        grep -v '^\(Get\|Hit\|Ign\|Selecting\|Preparing\|Unpacking\|Setting up\|Processing\)' "$log" >&2
        echo "$me: apt-get $1 failed" >&2
        exit 1
    fi
}

run_apt update
resolve
echo "$me: installing$packages"
run_apt install -y --no-install-recommends $packages
echo "$me: installed"
exit 0
