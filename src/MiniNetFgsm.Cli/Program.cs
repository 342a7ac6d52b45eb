using System.CommandLine;
using MiniNetFgsm.Cli.Commands;

namespace MiniNetFgsm.Cli;

/// <summary>The <c>mininet</c> command line: parses, calls the library, prints.</summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        var root = new RootCommand("mininet: train a small CNN on MNIST with hand-written SIMD kernels and attack it with FGSM.")
        {
            DemoCommand.Create(),
            TrainCommand.Create(),
            EvalCommand.Create(),
            AttackCommand.Create(),
            BenchCommand.Create(),
        };
        return root.Parse(args).Invoke();
    }
}
