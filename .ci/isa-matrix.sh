#!/usr/bin/env bash
# The ISA matrix: the kernel, layer, attack and PyTorch-fixture tests once per instruction-set level that .NET can be
# told to leave unused (DOTNET_Enable<ISA>=0), on the Release build that .ci/run made; then the kernel and layer tests
# once in Debug, so the kernels' Debug.Asserts run. The default level is .ci/run's own full test run.
#
# Each level must give the same answers, up to rounding: widths the level does not accelerate are reported Skipped by
# the kernel tests (tests/MiniNetFgsm.Tests/SimdWidths.cs), and every other test must pass as it stands.
# Run by .ci/run with CI_COUNTS set (see .ci/lib.sh); on its own: CI_COUNTS=/dev/null bash .ci/isa-matrix.sh
set -uo pipefail
cd "$(dirname "$0")/.."
source .ci/lib.sh

tests=tests/MiniNetFgsm.Tests/bin/Release/net10.0/MiniNetFgsm.Tests
status=0

# Query filters (OR-ed): whole namespaces, plus the two PyTorch-fixture classes that live elsewhere.
kernels=(-filter "/*/MiniNetFgsm.Tests.Kernels/*/*" -filter "/*/MiniNetFgsm.Tests.Layers/*/*")
fixtures=(-filter "/*/MiniNetFgsm.Tests.Serialization/PyTorchFixtureTests/*" -filter "/*/MiniNetFgsm.Tests.Attacks/PyTorchSweepAgreementTests/*")
attacks=(-filter "/*/MiniNetFgsm.Tests.Attacks/*/*")
# Without any vector instructions (scalar everywhere) the attack tests take about ten times as long; the scalar leg
# runs the attack classes that check the attacks' arithmetic and leaves out the search-heavy ones (PGD restarts,
# minimal-eps search, targeted, multi-method sweeps), which exercise the same kernels many more times.
scalar_attacks=()
for class in FgsmTests FgsmSweepTests AttackCliTests AttackOptionsTests; do
  scalar_attacks+=(-filter "/*/MiniNetFgsm.Tests.Attacks/$class/*")
done

# Each level, and the widest width it may leave accelerated: a setting the runtime ignores would test the default
# again, as DOTNET_EnableAVX512F=0 does on .NET 10 (its name there is DOTNET_EnableAVX512; both are set).
for isa in AVX512 AVX2 AVX HWIntrinsic; do
  case $isa in
    AVX512) settings=(DOTNET_EnableAVX512=0 DOTNET_EnableAVX512F=0) allowed="V256 V128 Scalar" ;;
    AVX2 | AVX) settings=("DOTNET_Enable$isa=0") allowed="V128 Scalar" ;;
    HWIntrinsic) settings=(DOTNET_EnableHWIntrinsic=0) allowed="Scalar" ;;
  esac
  if [ "$isa" = HWIntrinsic ]; then selection=("${kernels[@]}" "${fixtures[@]}" "${scalar_attacks[@]}"); else selection=("${kernels[@]}" "${fixtures[@]}" "${attacks[@]}"); fi
  xunit_leg "isa DOTNET_Enable$isa=0" env "${settings[@]}" "$tests" "${selection[@]}" || status=1
  case " $allowed " in
    *" $LEG_WIDEST "*) ;;
    *) check "isa DOTNET_Enable$isa=0 width" "the kernels ran up to $LEG_WIDEST; expected one of: $allowed" 1; status=1 ;;
  esac
done

# Debug: Debug.Assert is compiled in, so a kernel's stated index range is checked on every call.
start=$SECONDS
if dotnet build tests/MiniNetFgsm.Tests -c Debug >/tmp/mininet-debug-build.log 2>&1; then
  echo "[time] debug build: $((SECONDS - start)) s"
  xunit_leg "debug kernels+layers" tests/MiniNetFgsm.Tests/bin/Debug/net10.0/MiniNetFgsm.Tests "${kernels[@]}" || status=1
  # And the kernels once more at 128 bits without AVX, the paths only SSE-only x64 and Arm64 take (4×4 packing
  # transposes, broadcast A panels, the 128-bit direct convolution and Winograd transforms).
  xunit_leg "debug kernels DOTNET_EnableAVX=0" env DOTNET_EnableAVX=0 tests/MiniNetFgsm.Tests/bin/Debug/net10.0/MiniNetFgsm.Tests \
    -filter "/*/MiniNetFgsm.Tests.Kernels/*/*" || status=1
  [ "$LEG_WIDEST" = V128 ] || { check "debug DOTNET_EnableAVX=0 width" "the kernels ran up to $LEG_WIDEST; expected V128" 1; status=1; }
else
  tail -n 30 /tmp/mininet-debug-build.log
  echo "debug build failed"
  echo "debug-build 0 1 0" >>"$CI_COUNTS"
  status=1
fi
rm -f /tmp/mininet-debug-build.log
exit "$status"
