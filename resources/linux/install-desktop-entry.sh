#!/bin/sh
# Add Station app to the desktop's application menu for this user (no root needed):
# the desktop entry in ~/.local/share/applications and the icon in the hicolor theme.
# Run it from the unpacked folder:  ./install-desktop-entry.sh
# Remove with:  ./install-desktop-entry.sh --remove
set -e
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
apps="$data/applications"
icons="$data/icons/hicolor"
if [ "$1" = "--remove" ]; then
    rm -f "$apps/station-app.desktop"
    for f in "$icons"/*/apps/station-app.png; do rm -f "$f"; done
    echo "Station app removed from the application menu"
    exit 0
fi
for png in "$here"/_internal/resources/icons/station-app-*.png; do
    size=$(basename "$png" .png | sed 's/station-app-//')
    mkdir -p "$icons/${size}x${size}/apps"
    cp "$png" "$icons/${size}x${size}/apps/station-app.png"
done
mkdir -p "$apps"
sed "s|^Exec=.*|Exec=\"$here/station-app\"|" "$here/station-app.desktop" > "$apps/station-app.desktop"
chmod 644 "$apps/station-app.desktop"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$apps" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q "$icons" 2>/dev/null || true
echo "Station app added to the application menu ($apps/station-app.desktop)"
