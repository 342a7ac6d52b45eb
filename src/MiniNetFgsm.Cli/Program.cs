using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
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
            MinimalCommand.Create(),
            ReportCommand.Create(),
            BenchCommand.Create(),
        };
        ParseResult parse = root.Parse(args);
        if (parse.Action is ParseErrorAction && args.Length > 0)
        {
            // A parse error is a user mistake like any other: one line each and exit code 2, rather than
            // System.CommandLine's multi-line messages, the whole help page and exit code 1. A bare `mininet`
            // keeps the default (the error and the help page), which is what someone exploring wants.
            foreach (ParseError error in parse.Errors)
            {
                Console.Error.WriteLine($"error: {string.Join(' ', error.Message.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))}");
            }

            return Cli.UserErrorExit;
        }

        return parse.Invoke();
    }
}
