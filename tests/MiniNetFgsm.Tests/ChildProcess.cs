using System.Diagnostics;
using System.Globalization;
using MiniNetFgsm.Serialization;

namespace MiniNetFgsm.Tests;

/// <summary>
/// The test assembly run as a program (<c>dotnet MiniNetFgsm.Tests.dll MODE ARGS</c>), for tests that need a process of
/// their own, e.g. to kill it with SIGKILL while it writes. Without a child mode it runs the tests with xunit v3's console
/// runner; the project turns off xunit's generated entry point (and the SDK's) so that this one is the program's.
/// </summary>
public static class ChildProcess
{
    /// <summary>What a child prints, alone on a line, once it is where the test wants it.</summary>
    public const string Ready = "ready";

    /// <summary>
    /// <c>stall-csv PATH ROWS</c>: writes ROWS CSV lines to PATH through <see cref="AtomicFile.WriteText"/>, flushes them
    /// to the temporary file, prints <see cref="Ready"/> and waits forever inside the write (to be killed).
    /// <c>write-model PATH FLOATS</c>: prints <see cref="Ready"/>, then saves one tensor of FLOATS floats to PATH with
    /// <see cref="SafeTensors.Write"/> (the test kills it as soon as the temporary file appears).
    /// </summary>
    public static int Main(string[] args)
    {
        switch (args)
        {
            case ["stall-csv", string path, string rows]:
                AtomicFile.WriteText(path, writer =>
                {
                    writer.WriteLine("eps,accuracy");
                    for (int i = 0; i < int.Parse(rows, CultureInfo.InvariantCulture); i++)
                    {
                        writer.WriteLine($"{i},0.5");
                    }

                    writer.Flush();  // into the temporary file, so the kill finds a half-written file to leave behind
                    Console.WriteLine(Ready);
                    Thread.Sleep(Timeout.Infinite);
                });
                return 1;  // never reached

            case ["write-model", string path, string floats]:
                var tensor = new Tensor(int.Parse(floats, CultureInfo.InvariantCulture));
                tensor.Span.Fill(2f);
                Console.WriteLine(Ready);
                SafeTensors.Write(path, [("weight", tensor)]);
                return 0;

            default:
                // Not a child mode: the test project run as a program (xunit v3's console runner, e.g. under qemu in CI).
                return Xunit.Runner.InProc.SystemConsole.ConsoleRunner.Run(args).GetAwaiter().GetResult();
        }
    }

    /// <summary>Starts the test assembly as a child process in <paramref name="mode"/> with stdout redirected.</summary>
    public static Process Start(params string[] mode)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
        foreach (string arg in mode)
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("could not start the child process");
    }

    /// <summary>Reads the child's stdout until it prints <see cref="Ready"/>; fails with its stderr if it exits first.</summary>
    public static void WaitUntilReady(Process child, TimeSpan timeout)
    {
        Task<string?> line = child.StandardOutput.ReadLineAsync();
        while (true)
        {
            if (!line.Wait(timeout))
            {
                child.Kill();
                throw new TimeoutException($"the child did not print '{Ready}' within {timeout}");
            }

            if (line.Result == Ready)
            {
                return;
            }

            if (line.Result is null)
            {
                throw new InvalidOperationException($"the child exited with {child.ExitCode} before it was ready: {child.StandardError.ReadToEnd()}");
            }

            line = child.StandardOutput.ReadLineAsync();
        }
    }
}
