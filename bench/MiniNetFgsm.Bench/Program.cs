using BenchmarkDotNet.Running;

namespace MiniNetFgsm.Bench;

/// <summary>Runs the BenchmarkDotNet suites: <c>dotnet run -c Release --project bench/MiniNetFgsm.Bench -- --filter '*'</c>.</summary>
public static class Program
{
    /// <summary>Entry point; arguments go to BenchmarkDotNet's switcher.</summary>
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
