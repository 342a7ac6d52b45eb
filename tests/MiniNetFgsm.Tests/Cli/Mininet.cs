namespace MiniNetFgsm.Tests.Cli;

/// <summary>What one in-process <c>mininet</c> run printed and returned.</summary>
internal sealed record CliResult(int ExitCode, string Out, string Error)
{
    public override string ToString() => $"exit {ExitCode}{Environment.NewLine}stdout:{Environment.NewLine}{Out}stderr:{Environment.NewLine}{Error}";
}

/// <summary>Runs the <c>mininet</c> command line in this process with the console captured. Only for the "Console" collection.</summary>
internal static class Mininet
{
    public static CliResult Run(params string[] args)
    {
        TextWriter savedOut = Console.Out, savedError = Console.Error;
        using var output = new StringWriter();
        using var error = new StringWriter();
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            int exitCode = MiniNetFgsm.Cli.Program.Run(args);
            return new CliResult(exitCode, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(savedOut);
            Console.SetError(savedError);
        }
    }
}
