using System.Reflection;
using System.Text.RegularExpressions;
using MiniNetFgsm.Attacks;
using MiniNetFgsm.Training;

namespace MiniNetFgsm.Tests;

/// <summary>
/// Training and Attacks both build on Data, Layers, Kernels and Models, and neither on the other: adversarial training
/// perturbs its batches with <see cref="Models.LossGradient"/> and takes its robust-accuracy measure from the caller.
/// </summary>
public sealed class LayerBoundaryTests
{
    [Theory]
    [InlineData("Training", "Attacks")]
    [InlineData("Attacks", "Training")]
    public void SourceFiles_OfOneLayer_NeverNameTheOthersNamespace(string folder, string forbidden)
    {
        string directory = Path.Combine(RepositoryRoot(), "src", "MiniNetFgsm", folder);
        var pattern = new Regex($@"\bMiniNetFgsm\.{forbidden}\b");

        string[] offenders = Directory.GetFiles(directory, "*.cs", SearchOption.AllDirectories)
            .Where(file => pattern.IsMatch(File.ReadAllText(file)))
            .Select(Path.GetFileName)
            .ToArray()!;

        Assert.True(Directory.GetFiles(directory, "*.cs").Length > 3, $"expected the {folder} sources in {directory}");
        Assert.Empty(offenders);
    }

    [Fact]
    public void LibrarySources_HaveNoGlobalUsings_ThatCouldHideAnImport()
    {
        string library = Path.Combine(RepositoryRoot(), "src", "MiniNetFgsm");

        string[] withGlobalUsing = Directory.GetFiles(library, "*.cs", SearchOption.AllDirectories)
            .Where(file => !file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .Where(file => Regex.IsMatch(File.ReadAllText(file), @"^\s*global\s+using\s+MiniNetFgsm", RegexOptions.Multiline))
            .ToArray();

        Assert.Empty(withGlobalUsing);
    }

    [Theory]
    [InlineData("MiniNetFgsm.Training", "MiniNetFgsm.Attacks")]
    [InlineData("MiniNetFgsm.Attacks", "MiniNetFgsm.Training")]
    public void CompiledTypes_OfOneLayer_NeverMentionTheOthersTypesInTheirMembers(string layer, string forbidden)
    {
        Assembly library = typeof(Trainer).Assembly;
        const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

        var mentions = new List<string>();
        foreach (Type type in library.GetTypes().Where(t => t.Namespace == layer))
        {
            IEnumerable<Type> used = new[] { type.BaseType! }.Concat(type.GetInterfaces())
                .Concat(type.GetFields(All).Select(f => f.FieldType))
                .Concat(type.GetProperties(All).Select(p => p.PropertyType))
                .Concat(type.GetMethods(All).SelectMany(m => m.GetParameters().Select(p => p.ParameterType).Append(m.ReturnType)))
                .Concat(type.GetConstructors(All).SelectMany(c => c.GetParameters().Select(p => p.ParameterType)));
            mentions.AddRange(used.Where(t => t is not null).SelectMany(Flatten).Where(t => t.Namespace == forbidden).Select(t => $"{type.Name} uses {t.FullName}"));
        }

        Assert.True(library.GetTypes().Any(t => t.Namespace == layer), $"no types in {layer}");
        Assert.Empty(mentions);
        _ = typeof(AttackSweep);   // both layers are in this assembly
    }

    /// <summary>A type and, for arrays, pointers, generics and delegates' signatures, the types inside it.</summary>
    private static IEnumerable<Type> Flatten(Type type)
    {
        yield return type;
        if (type.HasElementType)
        {
            foreach (Type inner in Flatten(type.GetElementType()!))
            {
                yield return inner;
            }
        }

        if (type.IsGenericType)
        {
            foreach (Type inner in type.GetGenericArguments().Where(t => !t.IsGenericParameter).SelectMany(Flatten))
            {
                yield return inner;
            }
        }
    }

    /// <summary>The folder holding MiniNetFgsm.sln, found upward from the test binaries.</summary>
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
