#!/usr/bin/env bash
# Installs what GanCluster needs on Debian/Ubuntu beyond the .NET 10 SDK: the tools of the TorchSharp
# native fix (g++, patchelf, python3, binutils), the PostgreSQL server binaries the tests start (the distribution's
# version: 15 on Debian 12, 14 on Ubuntu 22.04, 16 on Ubuntu 24.04; any of them if one is installed already)
# privately, and chromium for the dashboard's browser test (tests/GanCluster.IntegrationTests/DashboardBrowserTests.cs,
# which drives /usr/bin/chromium headless and never downloads a browser). Idempotent: installs only what is missing. Needs root (or sudo) when something is missing.
set -euo pipefail

need=()
command -v g++ >/dev/null || need+=(g++)
command -v patchelf >/dev/null || need+=(patchelf)
command -v python3 >/dev/null || need+=(python3)
command -v readelf >/dev/null || need+=(binutils)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
[ -x /usr/bin/chromium ] || need+=(chromium)

if [ ${#need[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "install-prerequisites: installing ${need[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

command -v dotnet >/dev/null || { echo "install-prerequisites: the .NET 10 SDK is required (https://dot.net)" >&2; exit 1; }
