namespace MiniNetFgsm.Data;

/// <summary>
/// MNIST (or any IDX data set of the same layout, e.g. Fashion-MNIST): a training set and a test set.
/// </summary>
/// <remarks>
/// <para><see cref="Load"/> reads the four files named in <see cref="MnistFiles"/> from one directory, each
/// as <c>name.gz</c> or raw <c>name</c> (the gzip file wins when both exist).</para>
/// <para>If the directory holds a <c>SHA256SUMS</c> file (sha256sum format, checksums of the uncompressed
/// files), every file it lists is verified and it must list all four data files; a mismatch is an
/// <see cref="InvalidDataException"/> naming the file, the expected and the actual hash. Without
/// <c>SHA256SUMS</c> the directory loads unverified, which makes any IDX data set with the same file
/// names a drop-in.</para>
/// </remarks>
public sealed class MnistDataset
{
    /// <summary>The path of the data directory below a repository root: <c>data/mnist</c>.</summary>
    public static readonly string DefaultRelativeDirectory = Path.Combine("data", "mnist");

    /// <summary>Creates a data set from two labelled sets of the same image size.</summary>
    /// <param name="train">The training set.</param>
    /// <param name="test">The test set.</param>
    /// <exception cref="ArgumentException">The two sets have different image sizes.</exception>
    public MnistDataset(LabeledImages train, LabeledImages test)
        : this(train, test, sourceDirectory: null, isVerified: false)
    {
    }

    private MnistDataset(LabeledImages train, LabeledImages test, string? sourceDirectory, bool isVerified)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        if (train.Rows != test.Rows || train.Cols != test.Cols)
        {
            throw new ArgumentException($"Training images are {train.Rows} x {train.Cols} but test images are {test.Rows} x {test.Cols}.", nameof(test));
        }

        Train = train;
        Test = test;
        SourceDirectory = sourceDirectory;
        IsVerified = isVerified;
    }

    /// <summary>The training set (60,000 images for MNIST).</summary>
    public LabeledImages Train { get; }

    /// <summary>The test set (10,000 images for MNIST).</summary>
    public LabeledImages Test { get; }

    /// <summary>The full path of the directory the files were loaded from, or null if built in memory.</summary>
    public string? SourceDirectory { get; }

    /// <summary>True when every file was checked against the directory's <c>SHA256SUMS</c>.</summary>
    public bool IsVerified { get; }

    /// <inheritdoc />
    public override string ToString() =>
        $"MnistDataset(train {Train}, test {Test}{(SourceDirectory is null ? "" : $", from {SourceDirectory}")}{(IsVerified ? ", verified" : "")})";

    /// <summary>
    /// Loads the four IDX files from <paramref name="directory"/>, verifying them against its
    /// <c>SHA256SUMS</c> when there is one.
    /// </summary>
    /// <param name="directory">The directory holding the files.</param>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    /// <exception cref="FileNotFoundException">A data file (or a file listed in SHA256SUMS) is missing.</exception>
    /// <exception cref="InvalidDataException">A file is malformed or fails its checksum, SHA256SUMS is
    /// malformed or does not list a data file, or training and test images differ in size.</exception>
    public static MnistDataset Load(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string full = Path.GetFullPath(directory);
        if (!Directory.Exists(full))
        {
            throw new DirectoryNotFoundException($"MNIST data directory not found: {full}");
        }

        string trainImages = Locate(full, MnistFiles.TrainImages);
        string trainLabels = Locate(full, MnistFiles.TrainLabels);
        string testImages = Locate(full, MnistFiles.TestImages);
        string testLabels = Locate(full, MnistFiles.TestLabels);

        string sumsPath = Path.Combine(full, MnistFiles.ChecksumFileName);
        Sha256Sums? sums = File.Exists(sumsPath) ? Sha256Sums.Load(sumsPath) : null;
        string? trainImagesSha = Expected(sums, MnistFiles.TrainImages);
        string? trainLabelsSha = Expected(sums, MnistFiles.TrainLabels);
        string? testImagesSha = Expected(sums, MnistFiles.TestImages);
        string? testLabelsSha = Expected(sums, MnistFiles.TestLabels);
        if (sums is not null)
        {
            VerifyOtherListedFiles(full, sums);
        }

        // The two sets are independent: read the test set on the thread pool while this thread reads the
        // training set (decompression is the bulk of the time).
        Task<LabeledImages> test = Task.Run(() => IdxReader.Read(testImages, testImagesSha, testLabels, testLabelsSha, sums?.Path));
        LabeledImages train;
        try
        {
            train = IdxReader.Read(trainImages, trainImagesSha, trainLabels, trainLabelsSha, sums?.Path);
        }
        catch
        {
            ObserveFailure(test);
            throw;
        }

        LabeledImages testSet = test.GetAwaiter().GetResult();
        if (train.Rows != testSet.Rows || train.Cols != testSet.Cols)
        {
            throw new InvalidDataException(
                $"{Path.GetFileName(testImages)}: test images are {testSet.Rows} x {testSet.Cols} but training images are {train.Rows} x {train.Cols}");
        }

        return new MnistDataset(train, testSet, full, isVerified: sums is not null);
    }

    /// <summary>
    /// Finds the repository's <c>data/mnist</c> directory: walks up from the current directory, then from
    /// <see cref="AppContext.BaseDirectory"/>, and returns the first <c>data/mnist</c> that holds
    /// <c>train-images-idx3-ubyte(.gz)</c>, or null if there is none.
    /// </summary>
    public static string? FindDefaultDirectory()
    {
        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, DefaultRelativeDirectory);
                if (File.Exists(Path.Combine(candidate, MnistFiles.TrainImages + MnistFiles.GzipSuffix)) ||
                    File.Exists(Path.Combine(candidate, MnistFiles.TrainImages)))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    // name.gz if it exists, else raw name, else a FileNotFoundException naming both.
    private static string Locate(string directory, string name)
    {
        string gz = Path.Combine(directory, name + MnistFiles.GzipSuffix);
        if (File.Exists(gz))
        {
            return gz;
        }

        string raw = Path.Combine(directory, name);
        if (File.Exists(raw))
        {
            return raw;
        }

        throw new FileNotFoundException($"Data file not found: {gz} (nor {name})", gz);
    }

    // The expected hash of a data file, or null when the directory has no SHA256SUMS.
    private static string? Expected(Sha256Sums? sums, string name)
    {
        if (sums is null)
        {
            return null;
        }

        if (sums.Entries.TryGetValue(name, out string? hash))
        {
            return hash;
        }

        throw new InvalidDataException(
            $"{MnistFiles.ChecksumFileName}: does not list {name}; list all four data files, or delete {sums.Path} to load unverified");
    }

    // Files listed in SHA256SUMS besides the four data files are verified too, as sha256sum -c would.
    private static void VerifyOtherListedFiles(string directory, Sha256Sums sums)
    {
        foreach ((string name, string expected) in sums.Entries)
        {
            if (MnistFiles.Sha256.ContainsKey(name))
            {
                continue;
            }

            string path = Locate(directory, name);
            string actual = IdxStream.HashUncompressed(path);
            if (actual != expected)
            {
                throw new InvalidDataException(
                    $"{Path.GetFileName(path)}: SHA-256 mismatch: expected {expected} (from {sums.Path}), actual {actual} (hash of the uncompressed content)");
            }
        }
    }

    private static void ObserveFailure(Task task)
    {
        try
        {
            task.GetAwaiter().GetResult();
        }
        catch (Exception)
        {
            // The training set's error is the one reported; this only waits for the other read to stop.
        }
    }
}
