using System.Globalization;
using System.Text.RegularExpressions;

namespace MiniNetFgsm.Tests.Docs;

/// <summary>
/// README.md's library example is <see cref="ReadmeExample"/>: the README's C# block must equal the file's marked
/// lines, and running them must train (or load) LeNet, take the input gradient and print a falling accuracy per eps.
/// In the Console collection because the example prints to <see cref="Console.Out"/>, which the test captures.
/// </summary>
[Collection("Console")]
public sealed partial class ReadmeExampleTests(ITestOutputHelper log)
{
    private const string Begin = "// README example: begin";
    private const string End = "// README example: end";

    [Fact]
    public void ReadmeCSharpBlock_IsTheMarkedRegionsOfReadmeExample()
    {
        string root = RepositoryRoot();
        string[] source = File.ReadAllLines(Path.Combine(root, "tests", "MiniNetFgsm.Tests", "Docs", "ReadmeExample.cs"));
        string[] readme = File.ReadAllLines(Path.Combine(root, "README.md"));

        List<List<string>> regions = Regions(source);
        List<string> expected = regions.Select(Dedent).Aggregate((a, b) => [.. a, "", .. b]);
        List<List<string>> blocks = CSharpBlocks(readme);

        Assert.Equal(2, regions.Count);   // the using directives, then the body
        List<string> block = Assert.Single(blocks);
        Assert.Equal(string.Join('\n', expected), string.Join('\n', Dedent(block)));
    }

    [Fact]
    public void ReadmeExample_Runs_GradientIsFiniteAndAccuracyFallsWithEps()
    {
        TextWriter saved = Console.Out;
        using var output = new StringWriter();
        (Tensor X, Tensor Gradient, int[] Labels) result;
        Console.SetOut(output);
        try
        {
            result = ReadmeExample.Run();
        }
        finally
        {
            Console.SetOut(saved);
        }

        log.WriteLine(output.ToString());

        var accuracy = AccuracyLine().Matches(output.ToString())
            .ToDictionary(m => float.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture),
                          m => double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) / 100);
        Assert.Equal(new[] { 0f, 0.1f, 0.2f, 0.3f }, accuracy.Keys.ToArray());
        Assert.True(accuracy[0f] >= 0.85, $"clean accuracy {accuracy[0f]:P1}\n{output}");
        Assert.True(accuracy[0.1f] < accuracy[0f] && accuracy[0.2f] < accuracy[0.1f] && accuracy[0.3f] < accuracy[0.2f], output.ToString());
        Assert.True(accuracy[0.3f] < 0.5, $"accuracy at eps 0.3: {accuracy[0.3f]:P1}\n{output}");
        Assert.Equal(result.X.Shape, result.Gradient.Shape);
        Assert.Equal(1_000, result.Labels.Length);
        Assert.All(result.Gradient.Data, g => Assert.True(float.IsFinite(g)));
        Assert.True(result.Gradient.Data.Count(g => g != 0) > result.Gradient.Length / 2, "most pixels should have a non-zero gradient");
    }

    [GeneratedRegex(@"^eps (\d\.\d\d): accuracy (\d+(?:\.\d)?) ?%\r?$", RegexOptions.Multiline)]
    private static partial Regex AccuracyLine();

    /// <summary>The runs of lines strictly between each <see cref="Begin"/> and the next <see cref="End"/> marker.</summary>
    private static List<List<string>> Regions(string[] lines)
    {
        var regions = new List<List<string>>();
        List<string>? current = null;
        foreach (string line in lines)
        {
            string trimmed = line.Trim();
            if (trimmed == Begin)
            {
                current = [];
            }
            else if (trimmed == End && current is not null)
            {
                regions.Add(current);
                current = null;
            }
            else
            {
                current?.Add(line);
            }
        }

        return regions;
    }

    /// <summary>The bodies of the Markdown code blocks fenced as <c>```csharp</c>.</summary>
    private static List<List<string>> CSharpBlocks(string[] lines)
    {
        var blocks = new List<List<string>>();
        List<string>? current = null;
        foreach (string line in lines)
        {
            if (current is null && line.Trim() == "```csharp")
            {
                current = [];
            }
            else if (current is not null && line.Trim() == "```")
            {
                blocks.Add(current);
                current = null;
            }
            else
            {
                current?.Add(line);
            }
        }

        return blocks;
    }

    /// <summary>The lines without trailing spaces and without the indentation they all share (blank lines aside).</summary>
    private static List<string> Dedent(List<string> lines)
    {
        List<string> trimmed = lines.Select(l => l.TrimEnd()).ToList();
        int indent = trimmed.Where(l => l.Length > 0).Select(l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
        return trimmed.Select(l => l.Length == 0 ? l : l[indent..]).ToList();
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MiniNetFgsm.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("MiniNetFgsm.sln not found above the test directory.");
    }
}
