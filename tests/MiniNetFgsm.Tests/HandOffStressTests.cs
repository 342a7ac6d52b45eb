namespace MiniNetFgsm.Tests;

/// <summary>
/// Many thousands of cross-thread hand-offs through <see cref="WorkerTeam"/> and <see cref="Parallelism"/>, with 1 to 4
/// threads, each checked: the arguments are plain (non-volatile) arrays the caller rewrites before every call, and the
/// results plain arrays the parts write, so a hand-off that missed a fence would show as a stale value (on Arm64's weak
/// ordering far more readily than on x64's).
/// </summary>
public class HandOffStressTests
{
    private const int Calls = 10_000;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void WorkerTeam_ThousandsOfCalls_EveryPartSeesItsCallsArgumentsAndTheCallerEveryResult(int parts)
    {
        using var team = new WorkerTeam(parts);
        int[] input = new int[parts * 16], output = new int[parts * 16];
        int stamp = 0;
        Action<int> body = p =>
        {
            for (int i = p * 16; i < (p + 1) * 16; i++)
            {
                output[i] = input[i] * 3 + 1;
            }
        };

        for (int call = 1; call <= Calls; call++)
        {
            stamp = call;
            for (int i = 0; i < input.Length; i++)
            {
                input[i] = call * 1_000 + i;
            }

            team.Run(body);

            for (int i = 0; i < output.Length; i++)
            {
                if (output[i] != (call * 1_000 + i) * 3 + 1)
                {
                    Assert.Fail($"call {call}, {parts} parts: output[{i}] = {output[i]}, expected {(call * 1_000 + i) * 3 + 1}");
                }
            }
        }

        Assert.Equal(Calls, stamp);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void WorkerTeam_APartThrowsEvery97thCall_TheCallerGetsThatExceptionAndEveryOtherPartsResult(int parts)
    {
        using var team = new WorkerTeam(parts);
        int[] output = new int[parts];
        int current = 0, thrower = -1;
        Action<int> body = p =>
        {
            output[p] = current;
            if (p == thrower)
            {
                throw new InvalidOperationException($"call {current}");
            }
        };

        for (int call = 1; call <= Calls / 4; call++)
        {
            current = call;
            thrower = call % 97 == 0 ? call % parts : -1;
            Exception? error = Record.Exception(() => team.Run(body));

            if (thrower >= 0)
            {
                Assert.Equal($"call {call}", Assert.IsType<InvalidOperationException>(error).Message);
            }
            else
            {
                Assert.Null(error);
            }

            Assert.All(output, value => Assert.Equal(call, value));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void ForRanges_ThousandsOfCallsOfChangingLength_EveryIndexHoldsThisCallsValue(int threads)
    {
        int[] data = new int[64];
        for (int call = 1; call <= Calls; call++)
        {
            int count = 1 + call % data.Length;
            var job = new Job(data, call);

            Parallelism.ForRanges(count, threads, job, static (j, first, last) =>
            {
                for (int i = first; i < last; i++)
                {
                    j.Data[i] = j.Stamp * 100 + i;
                }
            });

            for (int i = 0; i < count; i++)
            {
                if (data[i] != call * 100 + i)
                {
                    Assert.Fail($"call {call}, {threads} threads, {count} indices: data[{i}] = {data[i]}, expected {call * 100 + i}");
                }
            }
        }
    }

    /// <summary>A value-type state: its fields reach the team's threads only through the job the caller fills in.</summary>
    private readonly record struct Job(int[] Data, int Stamp);
}
