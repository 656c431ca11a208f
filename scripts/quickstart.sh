#!/usr/bin/env bash
# The README's first command: installs prerequisites, builds, and trains the default experiment on the
# bundled MNIST digits, leaving a run folder with sample grids and checkpoints.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install-prerequisites.sh
dotnet build GanCluster.sln -c Release -v quiet -nologo
scripts/fix-torchsharp.sh
dotnet src/GanCluster.Cli/bin/Release/net10.0/gancluster.dll train --local mlp-mnist --out runs/quickstart "$@"
