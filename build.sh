#!/usr/bin/env bash
# The Cake bootstrapper: restores the pinned tools (.config/dotnet-tools.json) and runs build.cake.
# Arguments pass through: ./build.sh --target=Test --configuration=Release
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

# rustup installs cargo in ~/.cargo/bin, which a fresh shell's PATH often lacks.
export PATH="$HOME/.cargo/bin:$PATH"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

command -v dotnet >/dev/null || { echo "build.sh: the .NET 10 SDK (dotnet) is required" >&2; exit 1; }
command -v cargo >/dev/null || { echo "build.sh: a Rust toolchain (cargo) is required: https://rustup.rs" >&2; exit 1; }

dotnet tool restore >/dev/null
exec dotnet tool run dotnet-cake build.cake "$@"
