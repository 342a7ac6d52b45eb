using System.Text.RegularExpressions;

namespace MiniNetFgsm.Tests.Kernels;

/// <summary>
/// Every instruction-set-specific intrinsic in the library is gated on the instruction set it belongs to. A call such
/// as <c>Avx2.Permute4x64</c> behind <c>Avx.IsSupported</c> runs on every machine the tests run on (they all have
/// AVX2 or neither) and throws on a CPU with AVX and not AVX2; reading the sources finds it on any machine. CI's
/// matrix runs (<c>DOTNET_EnableAVX2=0</c>, <c>DOTNET_EnableAVX=0</c>) then run the gated paths' fallbacks.
/// </summary>
public sealed class IsaGateTests
{
    // An x86 or Arm intrinsics class, with its nested class if any (Avx512F.VL, AdvSimd.Arm64), and the member used.
    private static readonly Regex IsaMember = new(
        @"(?<![\w.])(?<isa>(?:Sse\d*|Ssse3|Avx\w*|Fma|Bmi[12]|Lzcnt|Popcnt|Pclmulqdq|Aes|AdvSimd|ArmBase|Crc32|Dp|Rdm|Sha1|Sha256|Sve)(?:\.(?:X64|Arm64|VL|V512))?)\.(?<member>[A-Z]\w*)",
        RegexOptions.Compiled);

    [Fact]
    public void EveryIntrinsicUsed_IsGatedOnItsOwnInstructionSet_InTheSameFile()
    {
        string library = Path.Combine(RepositoryRoot(), "src", "MiniNetFgsm");
        var ungated = new List<string>();
        int filesWithIntrinsics = 0;

        foreach (string file in Directory.GetFiles(library, "*.cs", SearchOption.AllDirectories).Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")))
        {
            // Code only: comments may name instructions freely.
            string code = Regex.Replace(File.ReadAllText(file), @"//[^\n]*", "");
            var uses = IsaMember.Matches(code).Select(m => (Isa: m.Groups["isa"].Value, Member: m.Groups["member"].Value)).ToArray();
            var gates = uses.Where(u => u.Member == "IsSupported").Select(u => u.Isa).ToHashSet();
            var used = uses.Where(u => u.Member != "IsSupported").ToArray();
            filesWithIntrinsics += used.Length > 0 ? 1 : 0;
            ungated.AddRange(used.Where(u => !gates.Contains(u.Isa)).Select(u => $"{Path.GetFileName(file)}: {u.Isa}.{u.Member} without {u.Isa}.IsSupported"));
        }

        Assert.True(filesWithIntrinsics > 0, "expected some intrinsics (the GEMM's prefetches, the 8×8 transpose)");
        Assert.Empty(ungated.Distinct());
    }

    [Fact]
    public void TheGateTest_FindsAnIntrinsicBehindAnotherInstructionSetsGate()
    {
        // The shape of the bug this guards against, as it stood in WinogradF2x3.
        const string code = "bool vectors = Avx.IsSupported; Vector256<float> e = Avx2.Permute4x64(Avx.Shuffle(a, b, 0).AsDouble(), 0).AsSingle();";

        var uses = IsaMember.Matches(code).Select(m => (m.Groups["isa"].Value, m.Groups["member"].Value)).ToArray();

        Assert.Equal([("Avx", "IsSupported"), ("Avx2", "Permute4x64"), ("Avx", "Shuffle")], uses);
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "MiniNetFgsm.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException($"MiniNetFgsm.sln not found above {AppContext.BaseDirectory}");
    }
}
