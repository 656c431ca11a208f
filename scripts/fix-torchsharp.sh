#!/usr/bin/env bash
# Makes TorchSharp 0.107.0's native library load on distributions whose libstdc++ is older than GCC 13's
# (Debian 12: GLIBCXX_3.4.30). libLibTorchSharp.so needs exactly one symbol from GLIBCXX_3.4.32,
# std::ios_base_library_init(). The fix, for each libLibTorchSharp.so found under the given folders:
#   1. build a tiny shim library that defines that symbol (scripts/torchsharp-fix/ios_init_shim.cpp);
#   2. mark the library's GLIBCXX_3.4.32 version requirement weak, so the loader's check is a no-op;
#   3. add the shim as a DT_NEEDED of the library and place it beside it ($ORIGIN is first in its rpath).
# Idempotent; a no-op where libstdc++ already provides GLIBCXX_3.4.32 (Ubuntu 24.04+, Debian 13+) and on
# non-Linux systems. Usage: scripts/fix-torchsharp.sh [folder ...]  (default: the NuGet cache and the
# build outputs of this repository). Exit code 0 on success, 1 with an actionable message otherwise.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
shim_name="libgancluster_iosinit.so"
needed_version="GLIBCXX_3.4.32"

[ "$(uname -s)" = "Linux" ] || exit 0

libstdcxx="$(ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64/ {print $NF; exit}')"
[ -n "$libstdcxx" ] || libstdcxx="$(ls /usr/lib/x86_64-linux-gnu/libstdc++.so.6 2>/dev/null || true)"
if [ -n "$libstdcxx" ] && grep -aq "$needed_version" "$libstdcxx"; then
    exit 0 # this libstdc++ is new enough: nothing to do
fi

missing=()
command -v g++ >/dev/null || missing+=(g++)
command -v patchelf >/dev/null || missing+=(patchelf)
command -v python3 >/dev/null || missing+=(python3)
command -v readelf >/dev/null || missing+=(binutils)
if [ ${#missing[@]} -gt 0 ]; then
    echo "fix-torchsharp: TorchSharp needs a small native fix on this system (libstdc++ lacks $needed_version)," >&2
    echo "but these tools are missing: ${missing[*]}. Install them: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi

cache="$repo/.local/torchsharp-fix"
shim="$cache/$shim_name"
if [ ! -f "$shim" ] || [ "$here/torchsharp-fix/ios_init_shim.cpp" -nt "$shim" ]; then
    mkdir -p "$cache"
    g++ -O2 -shared -fPIC -o "$shim.tmp" "$here/torchsharp-fix/ios_init_shim.cpp"
    mv -f "$shim.tmp" "$shim"
fi

if [ $# -eq 0 ]; then
    set -- "${NUGET_PACKAGES:-$HOME/.nuget/packages}/torchsharp" "$repo/src" "$repo/tests"
fi

patched=0
while IFS= read -r -d '' lib; do
    dir="$(dirname "$lib")"
    if ! cmp -s "$shim" "$dir/$shim_name"; then
        cp -f "$shim" "$dir/$shim_name.tmp" && mv -f "$dir/$shim_name.tmp" "$dir/$shim_name"
    fi
    python3 "$here/torchsharp-fix/elf_weaken_version.py" "$lib" "$needed_version" || {
        rc=$?
        [ $rc -eq 3 ] && continue # this build of the library does not need the version: leave it alone
        echo "fix-torchsharp: could not patch $lib (exit $rc)" >&2
        exit 1
    }
    if ! readelf -d "$lib" | grep -q "Shared library: \[$shim_name\]"; then
        patchelf --add-needed "$shim_name" "$lib"
        patched=$((patched + 1))
    fi
done < <(find "$@" -name libLibTorchSharp.so -type f -print0 2>/dev/null)

[ $patched -eq 0 ] || echo "fix-torchsharp: patched $patched copies of libLibTorchSharp.so"
