#!/usr/bin/env bash
# Builds the two Espruino 2v29 Linux binaries that `npm run test:espruino`,
# `bench:espruino` and `profile:espruino` run, from Espruino's sources, in one
# command:
#
#   ESPRUINO        bin_esp32sim/espruino_esp32sim: like an ESP32 (boards/ESP32.py)
#                   in what chipweb depends on: 16,383 variables, no Unicode,
#                   a C stack of 25,000 bytes (ESP_STACK_SIZE), where code
#                   that nests too deep fails with "Too much recursion" as it
#                   would on a board (x86-64 frames, so a little sooner), and
#                   Storage mapped into memory as an ESP32 maps its flash, so
#                   code runs from Storage in place (Linux builds otherwise
#                   read their flash file anew for every 16 bytes)
#   ESPRUINO_LINUX  bin/espruino: BOARD=LINUX as it is (resizable variables)
#   ESPRUINO32      bin_esp32sim32/espruino32 (optional): ESPRUINO built for 32-bit x86, with an
#                   ESP32's variable layout, run under qemu-i386 (gcc-multilib, g++-multilib, qemu-user)
#
# Usage: toolchain/espruino/build-engine.sh ESPRUINO_SOURCE_DIR
# The folder is a git checkout of github.com/espruino/Espruino, or a copy of
# one with GIT_DIR (and GIT_WORK_TREE) set: Espruino's build reads its
# version from git. Every binary prints its deepest C stack so far when
# ESPRUINO_STACK_PEAK is set (`@@stack peak N` on stderr; bench:espruino
# reads it).
#
# Never: write outside the source folder; build over a tree it cannot patch
# (it stops and says which file did not match).
set -euo pipefail

src=${1:-}
if [ -z "$src" ] || [ ! -f "$src/boards/LINUX.py" ] || [ ! -f "$src/src/jsutils.c" ]; then
  echo "usage: $0 ESPRUINO_SOURCE_DIR (a checkout of github.com/espruino/Espruino, 2v29)" >&2
  exit 1
fi
for tool in gcc make python3 git; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "$tool is missing: apt-get install -y build-essential python3 git" >&2
    exit 1
  fi
done
cd "$src"
if ! git log -1 --format=%h >/dev/null 2>&1; then
  echo "$src is not a git checkout: Espruino's build reads its version from git (set GIT_DIR and GIT_WORK_TREE for a copy)" >&2
  exit 1
fi

# 1. The ESP32-like board, made from LINUX.py every time (so a new Espruino brings its own LINUX.py along).
board=boards/LINUX_ESP32SIM.py
sed -e "s/'name' *: *\"[^\"]*\"/'name' : \"Linux, like an ESP32 (chipweb)\"/" \
  -e "s/'variables' *: *0,.*/'variables' : 16383, # as boards\/ESP32.py/" \
  -e "s/'binary_name' *: *'espruino'/'binary_name' : 'espruino_esp32sim'/" \
  -e "/-DESPR_UNICODE_SUPPORT=1/d" \
  -e "s/'LINUX=1',/'LINUX=1', 'DEFINES+=-DESPR_LINUX_STACK_SIZE=25000', # boards\/ESP32.py's ESP_STACK_SIZE\n     'DEFINES+=-DESPR_LINUX_FLASH_MMAP', # Storage mapped into memory, as on an ESP32/" \
  boards/LINUX.py >"$board"
for expect in "'variables' : 16383" "espruino_esp32sim" "ESPR_LINUX_STACK_SIZE=25000" "ESPR_LINUX_FLASH_MMAP"; do
  if ! grep -q "$expect" "$board"; then
    echo "boards/LINUX.py did not take the change to \"$expect\": this Espruino differs from 2v29" >&2
    exit 1
  fi
done
if grep -q "ESPR_UNICODE_SUPPORT" "$board"; then
  echo "boards/LINUX.py still asks for Unicode in $board: this Espruino differs from 2v29" >&2
  exit 1
fi

# 2. The Linux build's stack limit: the board's when it names one, and the deepest stack on request.
if ! grep -q "ESPR_LINUX_STACK_SIZE" src/jsutils.c; then
  line='  const uint32_t max_stack = 1000000; // give it 1 megabyte of stack'
  if ! grep -qF "$line" src/jsutils.c; then
    echo "src/jsutils.c has no Linux stack limit line to patch: this Espruino differs from 2v29" >&2
    exit 1
  fi
  perl -0pi -e 's{\Q'"$line"'\E\n}{#ifdef ESPR_LINUX_STACK_SIZE // chipweb: the stack of the board it stands in for\n  const uint32_t max_stack = ESPR_LINUX_STACK_SIZE;\n#else\n  const uint32_t max_stack = 1000000;\n#endif\n  { static uint32_t peak = 0; if (count > peak) { peak = count; if (getenv("ESPRUINO_STACK_PEAK")) { fprintf(stderr, "\@\@stack peak %u\\n", (unsigned)peak); fflush(stderr); } } }\n}' src/jsutils.c
  perl -0pi -e 's{#include "jsutils.h"\n}{#include "jsutils.h"\n#include <stdio.h>\n#include <stdlib.h>\n}' src/jsutils.c
  grep -q "ESPR_LINUX_STACK_SIZE" src/jsutils.c
fi

# 2b. Storage mapped into memory when the board asks (ESPR_LINUX_FLASH_MMAP): the flash file is mapped
# read-only and shared, so writes through the file show at once, and Storage.read() and the boot code
# give strings that point into it (jsvNewNativeString), as an ESP32's jshFlashGetMemMapAddress does.
if ! grep -q "ESPR_LINUX_FLASH_MMAP" targets/linux/jshardware.c; then
  stub='size_t jshFlashGetMemMapAddress(size_t ptr) {\n  return 0;\n}'
  if ! perl -0ne "exit(index(\$_, \"$stub\") < 0)" targets/linux/jshardware.c; then
    echo "targets/linux/jshardware.c has no jshFlashGetMemMapAddress stub to patch: this Espruino differs from 2v29" >&2
    exit 1
  fi
  perl -0pi -e 's{size_t jshFlashGetMemMapAddress\(size_t ptr\) \{\n  return 0;\n\}}{#ifdef ESPR_LINUX_FLASH_MMAP // chipweb: Storage mapped into memory, as on an ESP32\n#include <sys/mman.h>\nsize_t jshFlashGetMemMapAddress(size_t ptr) {\n  static char *mapped = 0;\n  if (ptr < FLASH_START \|\| ptr >= FLASH_START+FLASH_TOTAL) return 0;\n  if (!mapped) {\n    FILE *f = jshFlashOpenFile(false);\n    if (!f) return 0;\n    void *m = mmap(0, FLASH_TOTAL, PROT_READ, MAP_SHARED, fileno(f), 0);\n    fclose(f);\n    if (m == MAP_FAILED) return 0;\n    mapped = (char*)m;\n  }\n  return (size_t)(mapped + (ptr - FLASH_START));\n}\n#else\nsize_t jshFlashGetMemMapAddress(size_t ptr) {\n  return 0;\n}\n#endif}' targets/linux/jshardware.c
  grep -q "ESPR_LINUX_FLASH_MMAP" targets/linux/jshardware.c
fi
if ! grep -q "ESPR_LINUX_FLASH_MMAP" src/jsflash.c; then
  line='  // linux fakes flash with a file, so we can'"'"'t just return a pointer to it!'
  if ! grep -qF "$line" src/jsflash.c; then
    echo "src/jsflash.c has no Linux copy of a Storage read to patch: this Espruino differs from 2v29" >&2
    exit 1
  fi
  perl -0pi -e 's{#ifdef LINUX\n(  // linux fakes flash with a file)}{#if defined(LINUX) && !defined(ESPR_LINUX_FLASH_MMAP) // chipweb: not when mapped\n$1}' src/jsflash.c
  grep -q "ESPR_LINUX_FLASH_MMAP" src/jsflash.c
fi

# 3. Both binaries, each in its own folders (jsutils.c again: the stack limit is a define of the board's).
mkdir -p gen_esp32sim bin_esp32sim
rm -f obj_esp32sim/src/jsutils.o obj_esp32sim/src/jsflash.o obj_esp32sim/targets/linux/jshardware.o
BOARD=LINUX_ESP32SIM OBJDIR=obj_esp32sim GENDIR=gen_esp32sim BINDIR=bin_esp32sim make -j2
BOARD=LINUX make -j2

# 4. Optional: the same board for 32-bit x86 (ESPRUINO32), an ESP32's variable layout (14-byte variables,
#    names of 4 characters in one; the x86-64 ones hold 8 in 18 bytes), run under qemu-i386, since a
#    container's kernel may run no 32-bit program itself. bench:espruino reads its memory when it is set.
espruino32=""
if command -v qemu-i386 >/dev/null && echo 'int main(void){return 0;}' | gcc -m32 -x c - -o /dev/null 2>/dev/null &&
  echo 'int main(){return 0;}' | g++ -m32 -x c++ - -o /dev/null 2>/dev/null; then
  board32=boards/LINUX_ESP32SIM32.py
  sed -e "s/^#\( *'CFLAGS+=-m32', 'LDFLAGS+=-m32', 'DEFINES+=-DUSE_CALLFUNCTION_HACK',\).*$/ \1 # 32-bit: an ESP32's layout/" \
    -e "s/espruino_esp32sim/espruino_esp32sim32/" "$board" >"$board32"
  if ! grep -q "^ *'CFLAGS+=-m32'" "$board32"; then
    echo "$board has no commented 32-bit line to enable: this Espruino differs from 2v29" >&2
    exit 1
  fi
  mkdir -p gen_esp32sim32 bin_esp32sim32
  BOARD=LINUX_ESP32SIM32 OBJDIR=obj_esp32sim32 GENDIR=gen_esp32sim32 BINDIR=bin_esp32sim32 make -j2
  printf '#!/bin/sh\nexec qemu-i386 %s "$@"\n' "$PWD/bin_esp32sim32/espruino_esp32sim32" >bin_esp32sim32/espruino32
  chmod +x bin_esp32sim32/espruino32
  espruino32="$PWD/bin_esp32sim32/espruino32"
else
  echo "(ESPRUINO32, the board built for 32-bit x86, skipped: apt install gcc-multilib g++-multilib qemu-user)"
fi
echo
echo "export ESPRUINO=$PWD/bin_esp32sim/espruino_esp32sim"
echo "export ESPRUINO_LINUX=$PWD/bin/espruino"
if [ -n "$espruino32" ]; then echo "export ESPRUINO32=$espruino32"; fi
