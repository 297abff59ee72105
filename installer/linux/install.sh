#!/usr/bin/env bash
# Install Kitbench on a Linux bench PC.
#
#   sudo ./install.sh [BUNDLE]      the bundle (`make dist`) into /opt/kitbench, `kitbench` on
#                                   the PATH, the desktop entry, the icon and the udev rules
#   ./install.sh --user --exec CMD [--png FILE]
#                                   the desktop entry and icon for the current user only,
#                                   starting CMD (e.g. a venv's kitbench); no root needed
#
# BUNDLE defaults to the folder this script is in when that is a bundle (dist/kitbench/ ships
# a copy), else dist/kitbench of the checkout. DESTDIR stages a system install elsewhere
# (packaging, tests); XDG_DATA_HOME moves a user install as usual.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RULES_NAME="60-kitbench-adb.rules"

usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}" >&2
  exit "${1:-2}"
}

die() {
  echo "install.sh: $*" >&2
  exit 1
}

# The desktop entry with Exec pointing at $1 (quoted when it has spaces, as the spec wants).
desktop_entry() {
  local command="$1" source="$2"
  case "$command" in
    *[\"\`\$\\]*) die "the kitbench path must not contain \" \` \$ or \\: $command" ;;
    *" "*) command="\"$command\"" ;;
  esac
  sed "s|^Exec=kitbench |Exec=$command |" "$source"
}

# Desktop entry and icons under the data dir $1 (…/share) for command $2, from the resources
# folder $3, plus the 256 px PNG $4 when given.
install_desktop_files() {
  local share="$1" command="$2" resources="$3" png="$4"
  install -d "$share/applications" "$share/icons/hicolor/scalable/apps"
  desktop_entry "$command" "$resources/kitbench.desktop" >"$share/applications/kitbench.desktop"
  chmod 644 "$share/applications/kitbench.desktop"
  install -m 644 "$resources/icons/kitbench.svg" "$share/icons/hicolor/scalable/apps/kitbench.svg"
  if [ -n "$png" ]; then
    install -D -m 644 "$png" "$share/icons/hicolor/256x256/apps/kitbench.png"
  fi
  # Menus and icon caches pick the new files up sooner; neither tool is required.
  if command -v update-desktop-database >/dev/null; then
    update-desktop-database -q "$share/applications" || true
  fi
  if command -v gtk-update-icon-cache >/dev/null && [ -f "$share/icons/hicolor/index.theme" ]; then
    gtk-update-icon-cache -q -t "$share/icons/hicolor" || true
  fi
  echo "desktop entry: $share/applications/kitbench.desktop"
}

# Qt's X11 plugin loads these at run time; the bundle cannot carry them (docs/troubleshooting.md).
XCB_PACKAGES="libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0"

xcb_hint() {
  command -v dpkg-query >/dev/null || return 0
  local missing="" package
  for package in $XCB_PACKAGES; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" ||
      missing="$missing $package"
  done
  if [ -n "$missing" ]; then
    echo "The window needs these packages on X11: sudo apt-get install$missing"
  fi
}

udev_hint() {
  local rules="$HERE/$RULES_NAME"
  echo
  echo "USB access: Linux lets only root open USB devices until udev rules say otherwise."
  if [ -f "$rules" ]; then
    echo "Run once, as an administrator:"
    echo "  sudo install -m 644 '$rules' /etc/udev/rules.d/$RULES_NAME"
    echo "  sudo udevadm control --reload-rules && sudo udevadm trigger"
    echo "  sudo usermod -aG plugdev \"\$USER\"   # then log out and in again"
  else
    echo "warning: $rules is missing: install udev rules for your devices' ADB interfaces."
  fi
}

install_user() {
  local command="$1" png="$2"
  [ -x "$command" ] || die "--exec $command: not an executable file"
  [ -z "$png" ] || [ -f "$png" ] || die "--png $png: no such file"
  local share="${XDG_DATA_HOME:-$HOME/.local/share}" resources="$HERE/../../resources"
  [ -d "$HERE/_internal/resources" ] && resources="$HERE/_internal/resources"
  install_desktop_files "$share" "$command" "$resources" "$png"
  xcb_hint
  udev_hint
}

default_bundle() {
  if [ -x "$HERE/kitbench" ] && [ -d "$HERE/_internal" ]; then
    echo "$HERE"
  else
    echo "$HERE/../../dist/kitbench"
  fi
}

install_system() {
  local bundle="$1" destdir="${DESTDIR:-}"
  [ -x "$bundle/kitbench" ] || die "$bundle/kitbench: no bundle here; build it with 'make dist'"
  bundle="$(cd "$bundle" && pwd)"
  if [ -z "$destdir" ] && [ "$(id -u)" -ne 0 ]; then
    die "a system install needs root: sudo $0 (or --user for this user only)"
  fi
  local resources="$bundle/_internal/resources" target="$destdir/opt/kitbench"
  [ -f "$resources/kitbench.desktop" ] || die "$resources/kitbench.desktop: incomplete bundle"

  if [ "$bundle" != "$target" ]; then
    rm -rf "$target.new"
    install -d "$target.new"
    cp -a "$bundle/." "$target.new/"
    rm -rf "$target"
    mv "$target.new" "$target"
  fi
  install -d "$destdir/usr/local/bin"
  ln -sfn /opt/kitbench/kitbench "$destdir/usr/local/bin/kitbench"
  echo "bundle: $target (kitbench on the PATH through /usr/local/bin/kitbench)"
  install_desktop_files "$destdir/usr/local/share" /opt/kitbench/kitbench "$resources" \
    "$resources/icons/kitbench.png"

  local rules="$HERE/$RULES_NAME"
  if [ ! -f "$rules" ]; then
    echo "warning: $rules is missing: no udev rules installed" >&2
    return
  fi
  install -D -m 644 "$rules" "$destdir/etc/udev/rules.d/$RULES_NAME"
  echo "udev rules: $destdir/etc/udev/rules.d/$RULES_NAME"
  getent group plugdev >/dev/null || [ -n "$destdir" ] || groupadd --system plugdev
  if [ -z "$destdir" ] && command -v udevadm >/dev/null; then
    # Devices already plugged in get the new permissions without a replug.
    { udevadm control --reload-rules && udevadm trigger --subsystem-match=usb; } || true
  fi
  echo "Bench users need the plugdev group: sudo usermod -aG plugdev USER (then log in again)."
  xcb_hint
}

main() {
  local user=0 command="" png="" bundle=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --user) user=1 ;;
      --exec) [ $# -ge 2 ] || usage; command="$2"; shift ;;
      --png) [ $# -ge 2 ] || usage; png="$2"; shift ;;
      -h | --help) usage 0 2>&1 ;;
      -*) echo "install.sh: unknown option $1" >&2; usage ;;
      *) [ -z "$bundle" ] || usage; bundle="$1" ;;
    esac
    shift
  done
  if [ "$user" = 1 ]; then
    if [ -z "$command" ] || [ -n "$bundle" ]; then usage; fi
    install_user "$command" "$png"
  else
    if [ -n "$command" ] || [ -n "$png" ]; then usage; fi
    install_system "${bundle:-$(default_bundle)}"
  fi
}

main "$@"
