#!/usr/bin/env bash
# Builds the Moddable SDK's Linux host tools (mcconfig, xsc, xsl, mcrez, …)
# and its simulator mcsim, which `npm run test:moddable`, `bench:moddable`
# and `chipweb build --target esp32|pico_w|moddable-sim` run, in one command:
#
#   toolchain/moddable/build-sdk.sh MODDABLE_DIR
#       MODDABLE_DIR is a checkout of github.com/Moddable-OpenSource/moddable
#       (tag 8.2.3 is what chipweb is verified with); built where it is.
#   toolchain/moddable/build-sdk.sh SNAPSHOT.git MODDABLE_DIR
#       SNAPSHOT.git is a bare git folder of that repository (a mirror or a
#       source snapshot); its HEAD is exported into MODDABLE_DIR (new or
#       empty) and built there. Files whose contents the snapshot lacks
#       (large fonts and images it stores elsewhere) are left out and listed:
#       the host tools and mcsim need none of them.
#
# At the end it prints the two lines to export. Never: write outside
# MODDABLE_DIR; install packages (it says which apt packages are missing).
set -euo pipefail

usage="usage: $0 MODDABLE_DIR | $0 SNAPSHOT.git MODDABLE_DIR"
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "$usage" >&2
  exit 1
fi

# Moddable's makefiles break on a path with a space in it.
no_spaces() {
  case $1 in
  *[[:space:]]*)
    echo "$1 has a space in its path: Moddable's makefiles cannot build there; choose a folder without spaces" >&2
    exit 1
    ;;
  esac
}

missing=()
for tool in gcc make pkg-config flex bison gperf git; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ] || ! pkg-config --exists gtk+-3.0 ncurses 2>/dev/null; then
  echo "missing: ${missing[*]:-} (or the GTK 3 / ncurses headers): apt-get install -y build-essential pkg-config libgtk-3-dev libncurses-dev flex bison gperf git" >&2
  echo "mcsim also needs a display to run: apt-get install -y xvfb xauth" >&2
  exit 1
fi

if [ $# -eq 2 ]; then
  snapshot=$1
  dir=$2
  if ! git --git-dir="$snapshot" rev-parse --verify -q HEAD >/dev/null 2>&1; then
    echo "$snapshot is not a git folder with a HEAD: $usage" >&2
    exit 1
  fi
  if [ -e "$dir" ] && [ -n "$(ls -A "$dir")" ]; then
    echo "$dir is not empty: give a new folder to export $snapshot into" >&2
    exit 1
  fi
  mkdir -p "$dir"
  dir=$(cd -- "$dir" >/dev/null && pwd)
  no_spaces "$dir"
  index=$(mktemp)
  trap 'rm -f "$index"' EXIT
  # A bare repository (core.bare) has no work tree of its own: the export folder is it.
  export GIT_DIR=$snapshot GIT_INDEX_FILE=$index GIT_WORK_TREE=$dir
  git read-tree HEAD
  # A snapshot may lack some blobs: export everything else, and say which.
  absent=$(git ls-files -s | awk '{print $2}' | git cat-file --batch-check='%(objectname)' | awk '$2 == "missing" {print $1}')
  if [ -n "$absent" ]; then
    paths=$(git ls-files -s | awk -v list="$absent" 'BEGIN {n = split(list, a, "\n"); for (i = 1; i <= n; i++) gone[a[i]] = 1} gone[$2] {sub(/^[^\t]*\t/, ""); print}')
    echo "left out, not in the snapshot:"
    echo "$paths" | sed 's/^/  /'
    echo "$paths" | git update-index --force-remove --stdin
  fi
  git checkout-index -a --prefix="$dir/"
  echo "exported $(git rev-parse --short HEAD) into $dir"
  unset GIT_DIR GIT_INDEX_FILE GIT_WORK_TREE
else
  dir=$(cd -- "$1" >/dev/null && pwd)
  no_spaces "$dir"
fi

if [ ! -f "$dir/build/makefiles/lin/makefile" ] || [ ! -f "$dir/tools/VERSION" ]; then
  echo "$dir has no build/makefiles/lin/makefile: it is not a Moddable SDK folder ($usage)" >&2
  exit 1
fi
echo "Moddable SDK $(cat "$dir/tools/VERSION") in $dir: building the lin tools and mcsim (a few minutes)"
export MODDABLE=$dir
export PATH=$PATH:$dir/build/bin/lin/release
make -C "$dir/build/makefiles/lin" -j"$(nproc)"

for tool in mcconfig mcsim xsc xsl mcrez; do
  if [ ! -x "$dir/build/bin/lin/release/$tool" ]; then
    echo "the build ended without $tool in $dir/build/bin/lin/release" >&2
    exit 1
  fi
done
echo
echo "export MODDABLE=$dir"
echo "export PATH=\$PATH:$dir/build/bin/lin/release"
