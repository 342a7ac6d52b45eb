using System.CommandLine;
using MiniNetFgsm.Cli.Commands;

namespace MiniNetFgsm.Cli;

/// <summary>The <c>mininet</c> command line: parses, calls the library, prints.</summary>
internal static class Program
{
    private static int Main(string[] args) => Run(args);

    /// <summary>Builds the command tree and runs it on <paramref name="args"/>; tests call this in-process.</summary>
    internal static int Run(string[] args)
    {
        var root = new RootCommand("mininet: train a small CNN on MNIST with hand-written SIMD kernels and attack it with FGSM.")
        {
            DemoCommand.Create(),
            TrainCommand.Create(),
            EvalCommand.Create(),
            AttackCommand.Create(),
        };
        return root.Parse(args).Invoke();
    }
}
