using System.Collections;
using MiniNetFgsm.Serialization;

namespace MiniNetFgsm.Tests.Serialization;

/// <summary>A failed write never leaves a half-written file: an existing target stays as it was and no temporary file remains.</summary>
public sealed class SafeTensorsWriteFailureTests : IDisposable
{
    private static readonly (string Name, Tensor Tensor)[] Tensors = [("a", new Tensor([1f, 2f], 2)), ("b", new Tensor([3f], 1))];

    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void Write_TargetDirectoryMissing_ThrowsAndCreatesNothing()
    {
        string directory = Path.Combine(temp.Path, "missing");

        Assert.Throws<DirectoryNotFoundException>(() => SafeTensors.Write(Path.Combine(directory, "x.safetensors"), Tensors));

        Assert.False(Directory.Exists(directory));
        Assert.Empty(temp.Entries());
    }

    [Fact]
    public void Write_TargetIsExistingDirectory_ThrowsLeavesItUntouchedAndRemovesTemporaryFile()
    {
        string target = temp.File("model.safetensors");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "keep.txt"), "keep");

        Exception? error = Record.Exception(() => SafeTensors.Write(target, Tensors));

        Assert.True(error is IOException or UnauthorizedAccessException, $"unexpected {error?.GetType()}");
        Assert.Equal(["model.safetensors"], temp.Entries());
        Assert.Equal("keep", File.ReadAllText(Path.Combine(target, "keep.txt")));
    }

    [Fact]
    public void Write_FailsWhileWritingData_LeavesExistingFileUntouchedAndRemovesTemporaryFile()
    {
        string target = temp.File("model.safetensors");
        byte[] original = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        File.WriteAllBytes(target, original);
        var failing = new FailOnSecondPass(Tensors);

        Assert.Throws<IOException>(() => SafeTensors.Write(target, failing));

        Assert.True(failing.FailedDuringDataPass);
        Assert.Equal(original, File.ReadAllBytes(target));
        Assert.Equal(["model.safetensors"], temp.Entries());
    }

    [Fact]
    public void Write_InvalidArguments_LeavesExistingFileUntouched()
    {
        string target = temp.File("model.safetensors");
        byte[] original = [1, 2, 3];
        File.WriteAllBytes(target, original);

        Assert.Throws<ArgumentException>(() => SafeTensors.Write(target, [("a", new Tensor(1)), ("a", new Tensor(1))]));

        Assert.Equal(original, File.ReadAllBytes(target));
        Assert.Equal(["model.safetensors"], temp.Entries());
    }

    [Fact]
    public void Write_ExistingFile_ReplacesItAndLeavesNoTemporaryFile()
    {
        string target = temp.File("model.safetensors");
        File.WriteAllBytes(target, [1, 2, 3]);

        SafeTensors.Write(target, Tensors);

        Assert.Equal(["a", "b"], SafeTensors.Read(target).Tensors.Select(t => t.Name));
        Assert.Equal(["model.safetensors"], temp.Entries());
    }

    /// <summary>
    /// A list that reads normally once through (the header pass) and then throws an <see cref="IOException"/>, standing in for a
    /// disk error while the data section is being written.
    /// </summary>
    private sealed class FailOnSecondPass((string Name, Tensor Tensor)[] items) : IReadOnlyList<(string Name, Tensor Tensor)>
    {
        private readonly HashSet<int> seen = [];

        public bool FailedDuringDataPass { get; private set; }

        public int Count => items.Length;

        public (string Name, Tensor Tensor) this[int index]
        {
            get
            {
                if (!seen.Add(index) && index == items.Length - 1)
                {
                    FailedDuringDataPass = true;
                    throw new IOException("simulated write failure");
                }

                return items[index];
            }
        }

        public IEnumerator<(string Name, Tensor Tensor)> GetEnumerator()
        {
            for (int i = 0; i < Count; i++)
            {
                yield return this[i];
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
