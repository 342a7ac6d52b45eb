using MiniNetFgsm.Data;

namespace MiniNetFgsm.Tests.Data;

/// <summary>Loading a data directory: the repository's real MNIST files, and small synthetic directories.</summary>
public sealed class MnistDatasetTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Load_RepositoryData_Gives60000TrainingAnd10000TestImagesOf28x28Verified()
    {
        string directory = RepositoryDataDirectory();

        MnistDataset data = MnistDataset.Load(directory);

        Assert.Equal((60_000, 28, 28), (data.Train.Count, data.Train.Rows, data.Train.Cols));
        Assert.Equal((10_000, 28, 28), (data.Test.Count, data.Test.Rows, data.Test.Cols));
        Assert.Equal(60_000 * 784, data.Train.Pixels.Length);
        Assert.True(data.IsVerified);
        Assert.Equal(Path.GetFullPath(directory), data.SourceDirectory);
    }

    [Fact]
    public void Load_RepositoryData_FirstLabelsAreTheWellKnownOnes()
    {
        MnistDataset data = MnistDataset.Load(RepositoryDataDirectory());

        var test = new int[5];
        var train = new int[5];
        data.Test.CopyLabelsTo(0, 5, test);
        data.Train.CopyLabelsTo(0, 5, train);

        Assert.Equal([7, 2, 1, 0, 4], test);
        Assert.Equal([5, 0, 4, 1, 9], train);
    }

    [Fact]
    public void CopyImagesTo_RepositoryTestImages_GivesKnownPixelsOver255()
    {
        MnistDataset data = MnistDataset.Load(RepositoryDataDirectory());
        var batch = new float[2 * 784];
        var picked = new float[784];

        data.Test.CopyImagesTo(0, 2, batch);
        data.Test.CopyImagesTo([1], picked);

        // Test image 0 (a 7): row 7 starts the top stroke at column 6.
        Assert.Equal(0f, batch[0]);
        Assert.Equal(84 / 255f, batch[(7 * 28) + 6]);
        Assert.Equal(185 / 255f, batch[(7 * 28) + 7]);
        Assert.Equal(254 / 255f, batch[(8 * 28) + 7]);
        // Test image 1 (a 2): row 3 holds its first ink, a full-intensity pixel at column 13.
        Assert.Equal(116 / 255f, batch[784 + (3 * 28) + 10]);
        Assert.Equal(1f, batch[784 + (3 * 28) + 13]);
        Assert.Equal(batch[784..], picked);
    }

    [Fact]
    public void FindDefaultDirectory_FromTheTestRun_FindsTheRepositoryData()
    {
        string? directory = MnistDataset.FindDefaultDirectory();

        Assert.NotNull(directory);
        Assert.EndsWith(Path.Combine("data", "mnist"), directory);
        Assert.True(File.Exists(Path.Combine(directory, MnistFiles.TrainImages + ".gz")));
    }

    [Fact]
    public void RepositorySha256Sums_ListsExactlyTheLibraryConstants()
    {
        string path = Path.Combine(RepositoryDataDirectory(), MnistFiles.ChecksumFileName);

        var sums = Sha256Sums.Load(path);

        Assert.Equal(
            MnistFiles.Sha256.OrderBy(p => p.Key, StringComparer.Ordinal),
            sums.Entries.OrderBy(p => p.Key, StringComparer.Ordinal));
        Assert.Equal(MnistFiles.TrainImagesSha256, sums.Entries[MnistFiles.TrainImages]);
        Assert.Equal(MnistFiles.TrainLabelsSha256, sums.Entries[MnistFiles.TrainLabels]);
        Assert.Equal(MnistFiles.TestImagesSha256, sums.Entries[MnistFiles.TestImages]);
        Assert.Equal(MnistFiles.TestLabelsSha256, sums.Entries[MnistFiles.TestLabels]);
    }

    [Fact]
    public void Load_CopyOfRepositoryDataWithOneWrongChecksum_FailsNamingFileExpectedAndActual()
    {
        foreach (string name in MnistFiles.All)
        {
            File.Copy(Path.Combine(RepositoryDataDirectory(), name + ".gz"), _dir.File(name + ".gz"));
        }

        string wrong = new('a', 64);
        string sumsPath = _dir.File("SHA256SUMS");
        File.WriteAllText(sumsPath, string.Concat(MnistFiles.All.Select(name =>
            $"{(name == MnistFiles.TestLabels ? wrong : MnistFiles.Sha256[name])}  {name}\n")));

        var error = Assert.Throws<InvalidDataException>(() => MnistDataset.Load(_dir.Path));

        Assert.Equal(
            $"t10k-labels-idx1-ubyte.gz: SHA-256 mismatch: expected {wrong} (from {sumsPath}), actual {MnistFiles.TestLabelsSha256} (hash of the uncompressed content)",
            error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Load_SyntheticDirectoryWithoutSha256Sums_LoadsUnverified(bool gzip)
    {
        WriteSyntheticDirectory(gzip, withSums: false);

        MnistDataset data = MnistDataset.Load(_dir.Path);

        Assert.False(data.IsVerified);
        Assert.Equal((6, 4, 3), (data.Train.Count, data.Train.Rows, data.Train.Cols));
        Assert.Equal((4, 4, 3), (data.Test.Count, data.Test.Rows, data.Test.Cols));
        Assert.Equal(IdxBytes.Pixels(4 * 12), data.Test.Pixels.ToArray());
        Assert.Equal(IdxBytes.CyclingLabels(6), data.Train.Labels.ToArray());
    }

    [Fact]
    public void Load_SyntheticDirectoryWithCorrectSha256Sums_LoadsVerified()
    {
        WriteSyntheticDirectory(gzip: true, withSums: true);

        MnistDataset data = MnistDataset.Load(_dir.Path);

        Assert.True(data.IsVerified);
    }

    [Fact]
    public void Load_Sha256SumsMissingADataFile_FailsSayingWhichOne()
    {
        WriteSyntheticDirectory(gzip: false, withSums: true);
        string sumsPath = _dir.File("SHA256SUMS");
        File.WriteAllLines(sumsPath, File.ReadAllLines(sumsPath).Where(line => !line.EndsWith(MnistFiles.TrainLabels, StringComparison.Ordinal)));

        var error = Assert.Throws<InvalidDataException>(() => MnistDataset.Load(_dir.Path));

        Assert.Equal($"SHA256SUMS: does not list train-labels-idx1-ubyte; list all four data files, or delete {sumsPath} to load unverified", error.Message);
    }

    [Fact]
    public void Load_Sha256SumsWithAMalformedLine_FailsNamingTheLine()
    {
        WriteSyntheticDirectory(gzip: false, withSums: true);
        File.AppendAllText(_dir.File("SHA256SUMS"), "\nnot a checksum line\n");

        var error = Assert.Throws<InvalidDataException>(() => MnistDataset.Load(_dir.Path));

        Assert.Equal("SHA256SUMS: line 6 is not in sha256sum format (64 hex digits, two spaces, file name): \"not a checksum line\"", error.Message);
    }

    [Fact]
    public void Load_Sha256SumsListingAnExtraFileThatDiffers_FailsOnThatFile()
    {
        WriteSyntheticDirectory(gzip: false, withSums: true);
        _dir.Write("NOTES", [1, 2, 3]);
        string wrong = new('0', 64);
        File.AppendAllText(_dir.File("SHA256SUMS"), $"{wrong} *./NOTES\n");

        var error = Assert.Throws<InvalidDataException>(() => MnistDataset.Load(_dir.Path));

        Assert.StartsWith($"NOTES: SHA-256 mismatch: expected {wrong}", error.Message);
    }

    [Fact]
    public void Load_DirectoryWithoutTestLabels_FailsNamingTheMissingFile()
    {
        WriteSyntheticDirectory(gzip: true, withSums: false);
        File.Delete(_dir.File(MnistFiles.TestLabels + ".gz"));

        var error = Assert.Throws<FileNotFoundException>(() => MnistDataset.Load(_dir.Path));

        Assert.Equal(_dir.File("t10k-labels-idx1-ubyte.gz"), error.FileName);
        Assert.Equal($"Data file not found: {_dir.File("t10k-labels-idx1-ubyte.gz")} (nor t10k-labels-idx1-ubyte)", error.Message);
    }

    [Fact]
    public void Load_MissingDirectory_FailsNamingIt()
    {
        string missing = _dir.File("nowhere");

        var error = Assert.Throws<DirectoryNotFoundException>(() => MnistDataset.Load(missing));

        Assert.Equal($"MNIST data directory not found: {missing}", error.Message);
    }

    [Fact]
    public void Load_TrainingAndTestImagesOfDifferentSizes_Fails()
    {
        WriteSyntheticDirectory(gzip: false, withSums: false);
        _dir.Write(MnistFiles.TestImages, IdxBytes.Images(4, 3, 4));

        var error = Assert.Throws<InvalidDataException>(() => MnistDataset.Load(_dir.Path));

        Assert.Equal("t10k-images-idx3-ubyte: test images are 3 x 4 but training images are 4 x 3", error.Message);
    }

    [Fact]
    public void Load_CorruptTestLabels_ReportsTheTestFileEvenThoughItIsReadInTheBackground()
    {
        WriteSyntheticDirectory(gzip: false, withSums: false);
        _dir.Write(MnistFiles.TestLabels, IdxBytes.Labels(1, 2, 12, 3));

        var error = Assert.Throws<InvalidDataException>(() => MnistDataset.Load(_dir.Path));

        Assert.Equal("t10k-labels-idx1-ubyte: label 12 at index 2 is outside 0..9", error.Message);
    }

    // The repository's data/mnist. Its absence is a failure, not a skip: the data is part of the repository.
    private static string RepositoryDataDirectory()
    {
        string? directory = MnistDataset.FindDefaultDirectory();
        Assert.True(directory is not null, "data/mnist with train-images-idx3-ubyte(.gz) was not found above the current or the test assembly's directory");
        return directory;
    }

    // 6 training and 4 test images of 4x3, raw or gzip, optionally with a correct SHA256SUMS.
    private void WriteSyntheticDirectory(bool gzip, bool withSums)
    {
        var files = new Dictionary<string, byte[]>
        {
            [MnistFiles.TrainImages] = IdxBytes.Images(6, 4, 3),
            [MnistFiles.TrainLabels] = IdxBytes.Labels(IdxBytes.CyclingLabels(6)),
            [MnistFiles.TestImages] = IdxBytes.Images(4, 4, 3),
            [MnistFiles.TestLabels] = IdxBytes.Labels(IdxBytes.CyclingLabels(4)),
        };
        foreach ((string name, byte[] raw) in files)
        {
            _dir.Write(gzip ? name + ".gz" : name, gzip ? IdxBytes.Gzip(raw) : raw);
        }

        if (withSums)
        {
            File.WriteAllText(_dir.File("SHA256SUMS"), string.Concat(files.Select(f => $"{IdxBytes.Sha256(f.Value)}  {f.Key}\n")));
        }
    }
}
