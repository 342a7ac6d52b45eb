using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using CsCheck;

namespace MiniNetFgsm.Tests.Fuzzing;

/// <summary>
/// Runs a reader over generated (mostly corrupt) files and checks the readers' contract: every case either loads or
/// throws exactly <see cref="InvalidDataException"/> with a message that starts with the file; never another exception,
/// never a hang, never an allocation beyond a small multiple of the file's size.
/// </summary>
/// <remarks>
/// <para>The cases are deterministic: case i of a run is generated from the CsCheck seed <c>new PCG(0, seed + i)</c>,
/// so a run is replayed by its seed and one case by the seed string printed when it fails. A failing case is handed to
/// CsCheck's <see cref="Check.Sample{T}(Gen{T}, Action{T}, Action{string}?, string?, long, int, int, Func{T, string}?, ISampleLogger?)"/>
/// with that seed, which shrinks it to a small failing input before the test fails.</para>
/// <para>Environment variables (all optional):</para>
/// <list type="bullet">
/// <item><c>MININET_FUZZ_ITER</c>: cases per fuzz test (default: each test's CI budget, a few seconds).</item>
/// <item><c>MININET_FUZZ_SEED</c>: the run's seed, an unsigned integer (default 20261207).</item>
/// <item><c>MININET_FUZZ_CASE</c>: a CsCheck seed string from a failure message; runs only that case (and shrinks it).</item>
/// </list>
/// </remarks>
internal static class Fuzz
{
    public const ulong DefaultSeed = 20261207;

    /// <summary>How long one load may take before it counts as a hang (generous: the machine is shared).</summary>
    public static readonly TimeSpan HangTimeout = TimeSpan.FromSeconds(20);

    public static ulong Seed =>
        Environment.GetEnvironmentVariable("MININET_FUZZ_SEED") is { Length: > 0 } text
            ? ulong.Parse(text, CultureInfo.InvariantCulture)
            : DefaultSeed;

    public static int Iterations(int ciBudget) =>
        Environment.GetEnvironmentVariable("MININET_FUZZ_ITER") is { Length: > 0 } text
            ? int.Parse(text, CultureInfo.InvariantCulture)
            : ciBudget;

    /// <summary>
    /// Runs the cases of <paramref name="gen"/> through <paramref name="check"/>, which throws when the contract is
    /// broken and otherwise tells whether the file loaded. Prints the counts, the seed and the command to replay, and
    /// returns them for the test to assert on.
    /// </summary>
    public static Tally Run<T>(string name, Gen<T> gen, Func<T, Outcome> check, ITestOutputHelper output, int ciBudget)
    {
        if (Environment.GetEnvironmentVariable("MININET_FUZZ_CASE") is { Length: > 0 } single)
        {
            var replayed = new Tally();
            gen.Sample(value => { replayed.Add(check(value)); }, output.WriteLine, seed: single, iter: 1000, threads: 1);
            return replayed;
        }

        ulong seed = Seed;
        int iterations = Iterations(ciBudget);
        var stopwatch = Stopwatch.StartNew();
        var tally = new Tally();
        for (int i = 0; i < iterations; i++)
        {
            var pcg = new PCG(0, seed + (ulong)i);
            string caseSeed = pcg.ToString();
            T value = gen.Generate(pcg, null!, out _);
            try
            {
                tally.Add(check(value));
            }
            catch (Exception failure)
            {
                output.WriteLine($"{name}: case {i} of seed {seed} failed (CsCheck seed {caseSeed}): {failure.Message}");
                output.WriteLine($"replay: MININET_FUZZ_CASE={caseSeed} dotnet test -c Release --filter {name}");

                // CsCheck starts from the failing case and searches for a smaller one; if the failure does not repeat
                // (it should: everything is deterministic), the original is reported.
                gen.Sample(value => { check(value); }, output.WriteLine, seed: caseSeed, iter: 2000, threads: 1);
                throw new Xunit.Sdk.XunitException($"{name}: case {i} (CsCheck seed {caseSeed}) failed once but not when replayed: {failure}");
            }
        }

        output.WriteLine($"{name}: {iterations} cases in {stopwatch.Elapsed.TotalSeconds:0.0} s, seed {seed}: {tally}");
        output.WriteLine(tally.Reasons());
        output.WriteLine($"replay: MININET_FUZZ_SEED={seed} MININET_FUZZ_ITER={iterations} dotnet test -c Release --filter {name}");

        // Every case was checked, and the mutations reached both sides of the contract (a generator that only ever made
        // valid files, or only ever broken ones, would pass without testing the other side).
        Assert.Equal(iterations, tally.Loaded + tally.Rejected);
        if (iterations >= 100)
        {
            Assert.True(tally.Loaded > 0 && tally.Rejected > 0, $"{name}: {tally.Loaded} loaded, {tally.Rejected} rejected; the generator should make both.");
        }

        return tally;
    }

    /// <summary>
    /// Runs <paramref name="load"/> on its own thread and checks the contract: it returns, or throws exactly
    /// <see cref="InvalidDataException"/> whose message starts with <paramref name="messagePrefix"/>; within
    /// <see cref="HangTimeout"/>; allocating at most <paramref name="allocationBound"/> bytes on that thread.
    /// </summary>
    public static Outcome Load(Action load, string messagePrefix, long allocationBound)
    {
        Exception? error = null;
        long allocated = 0;
        var stopwatch = Stopwatch.StartNew();
        Task task = Task.Run(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                load();
            }
            catch (Exception e)
            {
                error = e;
            }

            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        });
        if (!task.Wait(HangTimeout))
        {
            throw new FuzzFailure($"hang: no answer after {HangTimeout.TotalSeconds} s");
        }

        if (error is not null && error.GetType() != typeof(InvalidDataException))
        {
            throw new FuzzFailure($"threw {error.GetType().Name} instead of InvalidDataException: {error}");
        }

        if (error is not null && (!error.Message.StartsWith(messagePrefix, StringComparison.Ordinal) || error.Message.Length <= messagePrefix.Length + 2))
        {
            throw new FuzzFailure($"the message does not start with '{messagePrefix}' and say what is wrong: '{error.Message}'");
        }

        if (allocated > allocationBound)
        {
            throw new FuzzFailure($"allocated {allocated} bytes, more than the bound of {allocationBound} ({(error is null ? "loaded" : error.Message)})");
        }

        return new Outcome(error?.Message, allocated, allocationBound, stopwatch.Elapsed);
    }
}

/// <summary>What one case did: loaded (<see cref="Rejection"/> null) or was rejected with that message.</summary>
internal readonly record struct Outcome(string? Rejection, long Allocated, long AllocationBound, TimeSpan Elapsed)
{
    public bool Loaded => Rejection is null;

    /// <summary>Both loads of a case (e.g. SafeTensors.Read then ModelFile.Load) as one outcome: the later rejection, the sum.</summary>
    public Outcome Then(Outcome next) =>
        new(next.Rejection ?? Rejection, Allocated + next.Allocated, AllocationBound + next.AllocationBound, Elapsed + next.Elapsed);
}

/// <summary>A broken reader contract.</summary>
internal sealed class FuzzFailure(string message) : Exception(message);

/// <summary>Counts of loaded and rejected cases, the slowest case and the largest allocation.</summary>
internal sealed partial class Tally
{
    private readonly Dictionary<string, int> reasons = [];
    private int loaded, rejected;
    private long mostAllocated;
    private double largestShareOfBound;
    private TimeSpan slowest;

    /// <summary>Cases that loaded.</summary>
    public int Loaded => loaded;

    /// <summary>Cases rejected with the documented error.</summary>
    public int Rejected => rejected;

    public void Add(Outcome outcome)
    {
        if (outcome.Loaded)
        {
            loaded++;
        }
        else
        {
            rejected++;
            string message = outcome.Rejection!;
            string reason = Numbers().Replace(message[(message.IndexOf(": ", StringComparison.Ordinal) + 2)..], "N");
            reason = reason.Length > 70 ? reason[..70] : reason;
            reasons[reason] = reasons.GetValueOrDefault(reason) + 1;
        }

        mostAllocated = Math.Max(mostAllocated, outcome.Allocated);
        largestShareOfBound = Math.Max(largestShareOfBound, (double)outcome.Allocated / outcome.AllocationBound);
        slowest = outcome.Elapsed > slowest ? outcome.Elapsed : slowest;
    }

    /// <summary>The most frequent rejection messages, numbers replaced by N.</summary>
    public string Reasons() =>
        "most frequent rejections:" + string.Concat(reasons.OrderByDescending(r => r.Value).Take(40).Select(r => $"{Environment.NewLine}  {r.Value,6} {r.Key}"));

    [GeneratedRegex("[0-9]+")]
    private static partial Regex Numbers();

    public override string ToString() =>
        $"{loaded} loaded, {rejected} rejected with InvalidDataException, 0 other exceptions, 0 hangs; " +
        $"slowest {slowest.TotalMilliseconds:0} ms, largest allocation {mostAllocated} bytes, at most {largestShareOfBound:P0} of a case's bound";
}
