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
        if (parse.Action is ParseErrorAction)
        {
            // A parse error is a user mistake like any other: one line and exit code 2, rather than System.CommandLine's
            // multi-line messages, the whole help page and exit code 1.
            Console.Error.WriteLine($"error: {Describe(parse, root)}");
            return Cli.UserErrorExit;
        }

        return parse.Invoke();
    }

    /// <summary>The first parse error in one line: no command, an unknown command, or the first problem with a command's options (and how many more).</summary>
    private static string Describe(ParseResult parse, RootCommand root)
    {
        string commands = string.Join(", ", root.Subcommands.Select(c => c.Name));
        if (parse.CommandResult.Command == root)
        {
            return parse.UnmatchedTokens.Count == 0 && parse.Tokens.Count == 0
                ? $"no command given; the commands are {commands} (mininet --help describes them)."
                : $"unknown command '{parse.UnmatchedTokens.FirstOrDefault() ?? parse.Tokens[0].Value}'; the commands are {commands} (mininet --help describes them).";
        }

        string first = string.Join(' ', parse.Errors[0].Message.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return parse.Errors.Count == 1 ? first : $"{first} (and {parse.Errors.Count - 1} more problem{(parse.Errors.Count > 2 ? "s" : "")})";
    }
}
