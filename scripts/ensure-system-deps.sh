#!/bin/sh
# Install the shared libraries PySide6 needs (Debian/Ubuntu names) when they are missing.
# Safe to run again: it does nothing when everything is present.
missing=""
for lib in libEGL.so.1 libGL.so.1 libxkbcommon.so.0 libfontconfig.so.1 libdbus-1.so.3; do
    ldconfig -p 2>/dev/null | grep -q "$lib" || missing="$missing $lib"
done
[ -z "$missing" ] && exit 0
echo "Qt needs:$missing"
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null 2>&1
    apt-get install -y -qq libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 >/dev/null 2>&1 \
        && echo "installed with apt-get" && exit 0
fi
echo "install them with your package manager (Debian: libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3)"
exit 0
