#!/usr/bin/env bash
# Arm64 under emulation: publishes the CLI and the test program self-contained for linux-arm64 and runs them with
# qemu-user on this x64 machine: the kernel and layer tests (and the thread hand-off stress test), then `mininet eval`
# and the FGSM sweep (`mininet attack`) on the PyTorch-trained LeNet fixture and on an mnist-cnn trained here on x64,
# each compared with x64's output on the same test images.
#
# The recipe, by hand (Debian 12, root):
#   dpkg --add-architecture arm64 && apt-get update
#   apt-get install -y qemu-user libc6:arm64 libstdc++6:arm64 libgcc-s1:arm64 zlib1g:arm64 libssl3:arm64
#     (libssl3: loading data/mnist checks SHA-256 through the platform's crypto library)
#   dotnet publish src/MiniNetFgsm.Cli -c Release -r linux-arm64 --self-contained -o DIR
#     (the linux-arm64 runtime pack comes from the NuGet feed like any package)
#   DOTNET_EnableWriteXorExecute=0 qemu-aarch64 -L / DIR/mininet eval --weights FILE --images 1000
# DOTNET_EnableWriteXorExecute=0 is required under qemu-user: with .NET's default W^X (JIT code mapped twice, once
# writable and once executable) the emulated run fails at random in correct code (an IndexOutOfRangeException in
# Sequential.set_Threads, an AccessViolationException in Conv2d.ForwardWinograd, a Winograd buffer-size check): an
# artifact of the emulation, not a bug of this project or of .NET on real Arm64 hardware.
#
# Agreement: the same weights give the same predictions on Arm64 (128-bit NEON) as on x64 up to rounding near ties, so
# at most 3 images of 10,000 may differ in any row: the bound is ceil(3·N/10000) for N images. What is compared is the
# correct count of each eval and sweep row and, for eval, the confusion matrix (each image whose prediction changes
# moves one count between two cells).
#
# Emulation is 20 to 50 times slower than native, so the images are subsets of the test set (ARM64_*_IMAGES below).
# Run by .ci/run with CI_COUNTS set (see .ci/lib.sh); on its own: CI_COUNTS=/dev/null bash .ci/arm64.sh
set -uo pipefail
cd "$(dirname "$0")/.."
source .ci/lib.sh

LENET_EVAL_IMAGES=${ARM64_LENET_EVAL_IMAGES:-2000}
LENET_ATTACK_IMAGES=${ARM64_LENET_ATTACK_IMAGES:-500}
CNN_EVAL_IMAGES=${ARM64_CNN_EVAL_IMAGES:-300}
CNN_ATTACK_IMAGES=${ARM64_CNN_ATTACK_IMAGES:-50}
CNN_TRAIN_IMAGES=${ARM64_CNN_TRAIN_IMAGES:-12000}

work=out/arm64
status=0
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# 1. qemu-user and the arm64 C libraries the .NET runtime loads.
install_packages() {
  local packages=(qemu-user libc6:arm64 libstdc++6:arm64 libgcc-s1:arm64 zlib1g:arm64 libssl3:arm64) missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ "${#missing[@]}" -eq 0 ] && { echo "packages: all present"; return 0; }
  echo "packages: installing ${missing[*]}"
  dpkg --add-architecture arm64 &&
    apt-get update -q >/dev/null &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
}
if ! timed "arm64 packages" install_packages; then
  echo "could not install qemu-user and the arm64 libraries"
  echo "arm64-setup 0 1 0" >>"$CI_COUNTS"
  exit 1
fi
qemu=(env DOTNET_EnableWriteXorExecute=0 qemu-aarch64 -L /)

# 2. Self-contained linux-arm64 builds of the CLI and of the test program (an xunit v3 test project is a program).
publish() {
  rm -rf "$work/cli" "$work/tests"
  dotnet publish src/MiniNetFgsm.Cli -c Release -r linux-arm64 --self-contained -o "$work/cli" >"$work/publish.log" 2>&1 &&
    dotnet publish tests/MiniNetFgsm.Tests -c Release -r linux-arm64 --self-contained -o "$work/tests" >>"$work/publish.log" 2>&1
}
mkdir -p "$work"
if ! timed "arm64 publish" publish; then
  tail -n 30 "$work/publish.log"
  echo "arm64-publish 0 1 0" >>"$CI_COUNTS"
  exit 1
fi

# 3. The kernel and layer tests, and the hand-off stress test, on Arm64 (not the layers' allocation counts, which
#    check the same code on every CPU and take a minute emulated).
timed "arm64 tests" xunit_leg "arm64 kernels+layers" "${qemu[@]}" "$work/tests/MiniNetFgsm.Tests" \
  -filter "/*/MiniNetFgsm.Tests.Kernels/*/*" -filter "/*/MiniNetFgsm.Tests.Layers/!AllocationTests/*" \
  -filter "/*/MiniNetFgsm.Tests/HandOffStressTests/*" || status=1

# 4. An mnist-cnn to compare: one epoch on the first CNN_TRAIN_IMAGES training images, on x64 (the IDX files cut to
#    that many images, beside links to the test files; a folder without SHA256SUMS loads unverified).
x64=(dotnet src/MiniNetFgsm.Cli/bin/Release/net10.0/mininet.dll)
arm=("${qemu[@]}" "$work/cli/mininet")
be32() { printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255)))"; }
train_cnn() {
  local subset=$work/mnist-subset
  rm -rf "$subset" && mkdir -p "$subset"
  { be32 2051; be32 "$CNN_TRAIN_IMAGES"; be32 28; be32 28; zcat data/mnist/train-images-idx3-ubyte.gz | tail -c +17 | head -c $((CNN_TRAIN_IMAGES * 784)); } >"$subset/train-images-idx3-ubyte"
  { be32 2049; be32 "$CNN_TRAIN_IMAGES"; zcat data/mnist/train-labels-idx1-ubyte.gz | tail -c +9 | head -c "$CNN_TRAIN_IMAGES"; } >"$subset/train-labels-idx1-ubyte"
  ln -s "$PWD/data/mnist/t10k-images-idx3-ubyte.gz" "$PWD/data/mnist/t10k-labels-idx1-ubyte.gz" "$subset/"
  "${x64[@]}" train --model mnist-cnn --epochs 1 --data "$subset" --out "$work/mnist-cnn.safetensors" >"$work/train.log" 2>&1
}
if ! timed "x64 mnist-cnn training ($CNN_TRAIN_IMAGES images, 1 epoch)" train_cnn; then
  tail -n 20 "$work/train.log"
  echo "arm64-train 0 1 0" >>"$CI_COUNTS"
  exit 1
fi
grep -E "test accuracy" "$work/train.log" | tail -n 1

# 5. eval and the FGSM sweep on both CPUs, compared.
bound() { echo $(((3 * $1 + 9999) / 10000)); }

# eval_counts LOG: "correct total" and then the 100 confusion-matrix cells.
eval_counts() { sed -nE 's/.*test accuracy .*\(([0-9]+)\/([0-9]+)\).*/\1 \2/p' "$1"; awk '/confusion matrix/ { m = 1; next } m && $1 ~ /^[0-9]$/ && NF == 11 { for (i = 2; i <= 11; i++) print $i }' "$1"; }

compare_eval() {   # NAME IMAGES X64LOG ARMLOG
  local name=$1 n=$2 b; b=$(bound "$2")
  read -r xc xt < <(eval_counts "$3" | head -n 1)
  read -r ac at < <(eval_counts "$4" | head -n 1)
  local moved
  moved=$(paste <(eval_counts "$3" | tail -n +2) <(eval_counts "$4" | tail -n +2) | awk '{ d = $1 - $2; s += d < 0 ? -d : d } END { print (NR == 100 ? s / 2 : -1) }')
  local ok=1
  if [ -n "${xc:-}" ] && [ -n "${ac:-}" ] && [ "$moved" != -1 ] && [ "${moved%.*}" -le "$b" ] && [ $((xc > ac ? xc - ac : ac - xc)) -le "$b" ]; then ok=0; fi
  check "arm64 $name eval" "x64 ${xc:-?}/${xt:-?}, arm64 ${ac:-?}/${at:-?}, ${moved} predictions moved in the confusion matrix (at most $b on $n images)" "$ok"
}

compare_sweep() {   # NAME IMAGES X64CSV ARMCSV
  local name=$1 n=$2 b; b=$(bound "$2")
  local report ok
  report=$(paste -d, <(tail -n +2 "$3") <(tail -n +2 "$4") | awk -F, -v b="$b" '
    { d = $3 - $9; d = d < 0 ? -d : d; rows++; if (d > worst) worst = d; if (d > b || $1 != $7) bad++
      line = line sprintf(" %s:%d/%d", $1, $3, $9) }
    END { printf "%d %d%s\n", (rows >= 1 && !bad) ? 0 : 1, worst, line }')
  ok=${report%% *}; report=${report#* }
  local same="differ"; cmp -s "$3" "$4" && same="are byte-identical"
  check "arm64 $name FGSM sweep" "correct at eps (x64/arm64):${report#* } — largest difference ${report%% *} (at most $b on $n images); the two CSVs $same" "$ok"
}

logged() { local file=$1; shift; "$@" >"$file" 2>&1 || { tail -n 20 "$file"; return 1; }; }

models=("lenet tests/MiniNetFgsm.Tests/Fixtures/pytorch/lenet_pytorch.safetensors $LENET_EVAL_IMAGES $LENET_ATTACK_IMAGES"
        "mnist-cnn $work/mnist-cnn.safetensors $CNN_EVAL_IMAGES $CNN_ATTACK_IMAGES")
for entry in "${models[@]}"; do
  read -r name weights eval_images attack_images <<<"$entry"
  for cpu in x64 arm64; do
    if [ "$cpu" = x64 ]; then cli=("${x64[@]}"); else cli=("${arm[@]}"); fi
    timed "$cpu $name eval ($eval_images images)" logged "$work/$name-$cpu-eval.log" "${cli[@]}" eval --weights "$weights" --images "$eval_images" || status=1
    timed "$cpu $name FGSM sweep ($attack_images images)" logged "$work/$name-$cpu-attack.log" "${cli[@]}" attack --weights "$weights" --images "$attack_images" --out "$work/$name-$cpu" || status=1
    grep -E "test accuracy" "$work/$name-$cpu-eval.log" | sed "s/^/  $cpu /"
  done
  compare_eval "$name" "$eval_images" "$work/$name-x64-eval.log" "$work/$name-arm64-eval.log" || status=1
  compare_sweep "$name" "$attack_images" "$work/$name-x64/fgsm_sweep.csv" "$work/$name-arm64/fgsm_sweep.csv" || status=1
done
exit "$status"
