#!/usr/bin/env bash
# Proves the two NuGet packages usable as a user gets them, all in a temporary folder that is deleted afterwards:
#   1. packs MiniNetFgsm (library, + snupkg) and MiniNetFgsm.Tool (the mininet tool, with MNIST) and checks their contents;
#   2. installs the tool with --tool-path and runs `mininet eval` on the PyTorch LeNet fixture from an unrelated folder,
#      without --data or MININET_DATA (the tool must find the MNIST copy it ships), checking the accuracy line;
#   3. builds and runs README.md's C# example in a new console project that references the PACKED MiniNetFgsm (not the
#      project), and checks what it prints.
#
#   bash .ci/package.sh            # ends with "package: PASS (N s)" or "package: FAIL: reason"; exits non-zero on failure
#
# NuGet: the tool installs with --add-source as a user types it; the example's nuget.config lists the packed folder (the
# only source of MiniNetFgsm, by package source mapping) and the sources of the machine's NuGet configuration. A private
# global packages folder keeps an earlier pack of the same version out of the way, and both installs are checked to come
# from the packed folder. Takes about a minute, most of it in `dotnet pack` and `dotnet run`.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
unset MININET_DATA

start=$SECONDS
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log="$work/log"
fail() {
  echo "package: FAIL: $1"
  [ -s "$log" ] && tail -n 40 "$log"
  exit 1
}

# True when the .nupkg NuGet installed ($2) is byte for byte the one just packed ($1).
same_package() {
  [ -f "$2" ] && cmp -s "$1" "$2"
}

version=$(sed -n 's|.*<Version>\(.*\)</Version>.*|\1|p' Directory.Build.props | head -n 1)
[ -n "$version" ] || fail "no <Version> in Directory.Build.props"
feed="$work/feed"
echo "package: packing MiniNetFgsm $version and MiniNetFgsm.Tool $version into $feed"
for project in src/MiniNetFgsm/MiniNetFgsm.csproj src/MiniNetFgsm.Cli/MiniNetFgsm.Cli.csproj; do
  dotnet pack "$project" -c Release -o "$feed" >"$log" 2>&1 || fail "dotnet pack $project"
done

# What the packages must hold.
library="$feed/MiniNetFgsm.$version.nupkg"
tool="$feed/MiniNetFgsm.Tool.$version.nupkg"
for file in "$library" "$tool" "$feed/MiniNetFgsm.$version.snupkg"; do
  [ -f "$file" ] || fail "missing $(basename "$file")"
done
unzip -Z1 "$library" >"$work/library.txt"
for entry in PACKAGE.md lib/net10.0/MiniNetFgsm.dll lib/net10.0/MiniNetFgsm.xml; do
  grep -qx "$entry" "$work/library.txt" || fail "$(basename "$library") lacks $entry"
done
unzip -p "$library" MiniNetFgsm.nuspec >"$work/library.nuspec"
grep -q '<license type="expression">MIT</license>' "$work/library.nuspec" || fail "the library's nuspec has no MIT licence expression"
grep -q '<readme>PACKAGE.md</readme>' "$work/library.nuspec" || fail "the library's nuspec has no readme"
unzip -Z1 "$tool" >"$work/tool.txt"
for name in SHA256SUMS train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz; do
  grep -qx "tools/net10.0/any/data/mnist/$name" "$work/tool.txt" || fail "$(basename "$tool") lacks data/mnist/$name"
done
echo "package: $(basename "$library") $(($(stat -c %s "$library") / 1024)) KB, $(basename "$tool") $(($(stat -c %s "$tool") / 1024)) KB"

# A NuGet configuration of our own: the packed folder, then every source the machine's configuration enables.
{
  echo '<?xml version="1.0" encoding="utf-8"?>'
  echo '<configuration>'
  echo '  <packageSources>'
  echo '    <clear />'
  echo "    <add key=\"packed\" value=\"$feed\" />"
  i=0
  while read -r state url; do
    [ "$state" = "E" ] || continue
    i=$((i + 1))
    echo "    <add key=\"machine$i\" value=\"$url\" />"
  done < <(dotnet nuget list source --format short 2>/dev/null)
  echo '  </packageSources>'
  echo '  <packageSourceMapping>'
  echo '    <packageSource key="packed"><package pattern="MiniNetFgsm" /><package pattern="MiniNetFgsm.Tool" /></packageSource>'
  for j in $(seq 1 "$i"); do
    echo "    <packageSource key=\"machine$j\"><package pattern=\"*\" /></packageSource>"
  done
  echo '  </packageSourceMapping>'
  echo '</configuration>'
} >"$work/nuget.config"
export NUGET_PACKAGES="$work/packages"

# The tool, installed as a user would, then run from a folder that is no repository.
echo "package: dotnet tool install --tool-path $work/tools --add-source $feed MiniNetFgsm.Tool"
dotnet tool install MiniNetFgsm.Tool --version "$version" --tool-path "$work/tools" --add-source "$feed" >"$log" 2>&1 \
  || fail "dotnet tool install"
same_package "$tool" "$(find "$work/tools/.store" -name "mininetfgsm.tool.$version.nupkg" | head -n 1)" \
  || fail "the installed tool is not the one just packed"
elsewhere="$work/elsewhere"
mkdir -p "$elsewhere"
weights="$root/tests/MiniNetFgsm.Tests/Fixtures/pytorch/lenet_pytorch.safetensors"
(cd "$elsewhere" && "$work/tools/mininet" eval --weights "$weights" --images 500) >"$log" 2>&1 || fail "mininet eval from $elsewhere"
line=$(grep -E '^lenet: test accuracy [0-9.]+% \([0-9]+/500\)$' "$log") || fail "no accuracy line from mininet eval"
echo "package: mininet eval (from $elsewhere, no --data): $line"
correct=$(sed -E 's|.*\(([0-9]+)/500\)|\1|' <<<"$line")
[ "$correct" -ge 485 ] || fail "the PyTorch LeNet fixture should get at least 97% of 500 test images, got $correct"
(cd "$elsewhere" && MININET_DATA="$work/no-such-folder" "$work/tools/mininet" eval --weights "$weights") >"$log" 2>&1
status=$?
[ "$status" -eq 2 ] && grep -q "no-such-folder' (from MININET_DATA) does not exist" "$log" \
  || fail "MININET_DATA naming a missing folder should exit 2 naming it (exit $status)"

# README.md's C# block, built against the packed library.
example="$work/example"
mkdir -p "$example"
cp "$work/nuget.config" "$example/nuget.config"
awk '/^```csharp$/ { inside = 1; next } /^```$/ { inside = 0 } inside' README.md >"$example/Program.cs"
[ -s "$example/Program.cs" ] || fail "no C# block in README.md"
cat >"$example/Example.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <Nullable>enable</Nullable>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="MiniNetFgsm" Version="$version" />
  </ItemGroup>
</Project>
EOF
echo "package: dotnet run of README.md's example against MiniNetFgsm $version (packed)"
(cd "$example" && MININET_DATA="$root/data/mnist" dotnet run -c Release) >"$log" 2>&1 || fail "README example: dotnet run"
same_package "$library" "$NUGET_PACKAGES/mininetfgsm/$version/mininetfgsm.$version.nupkg" \
  || fail "the example's MiniNetFgsm is not the package just packed"
grep -E '^(clean|eps|mean)' "$log" | sed 's/^/  /'
mapfile -t accuracies < <(sed -nE 's/^eps [0-9.]+: accuracy ([0-9.]+) ?%\r?$/\1/p' "$log")
[ "${#accuracies[@]}" -eq 4 ] || fail "README example: expected 4 eps lines, got ${#accuracies[@]}"
awk -v a="${accuracies[*]}" 'BEGIN { n = split(a, v, " "); if (v[1] < 85) exit 1; for (i = 2; i <= n; i++) if (v[i] >= v[i-1]) exit 1 }' \
  || fail "README example: accuracy should start at 85% or more and fall with eps (${accuracies[*]})"

echo "package: PASS ($((SECONDS - start)) s)"
