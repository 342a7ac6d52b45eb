using MiniNetFgsm.Data;

namespace MiniNetFgsm.Tests.Data;

/// <summary>
/// Commands that never train read only the test set: <see cref="MnistDataset.LoadTest"/>, and <see cref="MnistDataset.Open"/>
/// which loads the training set when <see cref="MnistDataset.Train"/> is first read.
/// </summary>
public sealed class MnistTestSetOnlyTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void LoadTest_OnlyTheTwoTestFilesWithTheRepositorySha256Sums_LoadsTheVerifiedTestSet()
    {
        CopyRepositoryTestFiles();

        LabeledImages test = MnistDataset.LoadTest(_dir.Path);

        Assert.Equal((10_000, 28, 28), (test.Count, test.Rows, test.Cols));
    }

    [Fact]
    public void Open_OnlyTheTwoTestFiles_GivesTheTestSetAndFailsOnlyWhenTheTrainingSetIsRead()
    {
        CopyRepositoryTestFiles();

        MnistDataset data = MnistDataset.Open(_dir.Path);

        Assert.Equal(10_000, data.Test.Count);
        Assert.True(data.IsVerified);
        Assert.Contains("train not loaded yet", data.ToString());
        var error = Assert.Throws<FileNotFoundException>(() => data.Train);
        Assert.Contains(MnistFiles.TrainImages, error.Message);
    }

    [Fact]
    public void Open_AllFourFiles_LoadsTheTrainingSetOnFirstRead()
    {
        foreach ((string name, int count) in new[] { (MnistFiles.TrainImages, 6), (MnistFiles.TestImages, 4) })
        {
            _dir.Write(name, IdxBytes.Images(count, 4, 3));
        }

        _dir.Write(MnistFiles.TrainLabels, IdxBytes.Labels(IdxBytes.CyclingLabels(6)));
        _dir.Write(MnistFiles.TestLabels, IdxBytes.Labels(IdxBytes.CyclingLabels(4)));

        MnistDataset data = MnistDataset.Open(_dir.Path);

        Assert.Equal(6, data.Train.Count);
        Assert.Same(data.Train, data.Train);
        Assert.Equal(IdxBytes.CyclingLabels(6), data.Train.Labels.ToArray());
    }

    [Fact]
    public void Open_TrainingImagesOfAnotherSize_FailsWhenTheTrainingSetIsRead()
    {
        _dir.Write(MnistFiles.TrainImages, IdxBytes.Images(2, 5, 5));
        _dir.Write(MnistFiles.TrainLabels, IdxBytes.Labels(1, 2));
        _dir.Write(MnistFiles.TestImages, IdxBytes.Images(2, 4, 3));
        _dir.Write(MnistFiles.TestLabels, IdxBytes.Labels(1, 2));
        MnistDataset data = MnistDataset.Open(_dir.Path);

        var error = Assert.Throws<InvalidDataException>(() => data.Train);

        Assert.Equal($"{MnistFiles.TrainImages}: test images are 4 x 3 but training images are 5 x 5", error.Message);
    }

    [Fact]
    public void LoadTest_Sha256SumsNotListingATestFile_FailsSayingWhichOne()
    {
        _dir.Write(MnistFiles.TestImages, IdxBytes.Images(1, 4, 3));
        _dir.Write(MnistFiles.TestLabels, IdxBytes.Labels(1));
        File.WriteAllText(_dir.File(MnistFiles.ChecksumFileName), $"{IdxBytes.Sha256(IdxBytes.Images(1, 4, 3))}  {MnistFiles.TestImages}\n");

        var error = Assert.Throws<InvalidDataException>(() => MnistDataset.LoadTest(_dir.Path));

        Assert.StartsWith($"{MnistFiles.ChecksumFileName}: does not list {MnistFiles.TestLabels}", error.Message);
    }

    [Fact]
    public void Open_AFileInsteadOfADirectory_SaysItIsAFile()
    {
        string file = _dir.Write(MnistFiles.TestImages, IdxBytes.Images(1, 4, 3));

        var error = Assert.Throws<DirectoryNotFoundException>(() => MnistDataset.Open(file));

        Assert.Equal($"{file}: is a file, not a directory holding the MNIST files", error.Message);
    }

    // The repository's two t10k files and its SHA256SUMS (which lists all four files).
    private void CopyRepositoryTestFiles()
    {
        string repository = MnistDataset.FindDefaultDirectory() ?? throw new InvalidOperationException("data/mnist not found");
        foreach (string name in new[] { MnistFiles.TestImages + ".gz", MnistFiles.TestLabels + ".gz", MnistFiles.ChecksumFileName })
        {
            File.Copy(Path.Combine(repository, name), _dir.File(name));
        }
    }
}
