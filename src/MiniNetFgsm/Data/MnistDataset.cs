namespace MiniNetFgsm.Data;

/// <summary>
/// MNIST (or any IDX data set of the same layout, e.g. Fashion-MNIST): a training set and a test set.
/// </summary>
/// <remarks>
/// <para><see cref="Load"/> reads the four files named in <see cref="MnistFiles"/> from one directory, each
/// as <c>name.gz</c> or raw <c>name</c> (the gzip file wins when both exist). <see cref="LoadTest"/> reads only
/// the two test files, and <see cref="Open"/> reads the test set at once and the training set the first time
/// <see cref="Train"/> is read, so a command that only evaluates needs only the two <c>t10k</c> files.</para>
/// <para>If the directory holds a <c>SHA256SUMS</c> file (sha256sum format, checksums of the uncompressed
/// files), every file it lists is verified and it must list every data file that is read; a mismatch is an
/// <see cref="InvalidDataException"/> naming the file, the expected and the actual hash. Without
/// <c>SHA256SUMS</c> the directory loads unverified, which makes any IDX data set with the same file
/// names a drop-in.</para>
/// </remarks>
public sealed class MnistDataset
{
    /// <summary>The path of the data directory below a repository root: <c>data/mnist</c>.</summary>
    public static readonly string DefaultRelativeDirectory = Path.Combine("data", "mnist");

    private readonly Lazy<LabeledImages> _train;  // loaded already, except for a data set from Open

    /// <summary>Creates a data set from two labelled sets of the same image size.</summary>
    /// <param name="train">The training set.</param>
    /// <param name="test">The test set.</param>
    /// <exception cref="ArgumentException">The two sets have different image sizes.</exception>
    public MnistDataset(LabeledImages train, LabeledImages test)
        : this(test, sourceDirectory: null, isVerified: false, new Lazy<LabeledImages>(train))
    {
        ArgumentNullException.ThrowIfNull(train);
        if (train.Rows != test.Rows || train.Cols != test.Cols)
        {
            throw new ArgumentException($"Training images are {train.Rows} x {train.Cols} but test images are {test.Rows} x {test.Cols}.", nameof(test));
        }
    }

    private MnistDataset(LabeledImages test, string? sourceDirectory, bool isVerified, Lazy<LabeledImages> train)
    {
        ArgumentNullException.ThrowIfNull(test);
        Test = test;
        SourceDirectory = sourceDirectory;
        IsVerified = isVerified;
        _train = train;
    }

    /// <summary>The training set (60,000 images for MNIST).</summary>
    /// <remarks>For a data set from <see cref="Open"/>, the first read loads the training files, and a problem with
    /// them is thrown here (every time), with the same exceptions as <see cref="Load"/>.</remarks>
    public LabeledImages Train => _train.Value;

    /// <summary>The test set (10,000 images for MNIST).</summary>
    public LabeledImages Test { get; }

    /// <summary>The full path of the directory the files were loaded from, or null if built in memory.</summary>
    public string? SourceDirectory { get; }

    /// <summary>True when every file was checked against the directory's <c>SHA256SUMS</c>.</summary>
    public bool IsVerified { get; }

    /// <inheritdoc />
    public override string ToString() =>
        $"MnistDataset(train {(_train.IsValueCreated ? _train.Value.ToString() : "not loaded yet")}, test {Test}{(SourceDirectory is null ? "" : $", from {SourceDirectory}")}{(IsVerified ? ", verified" : "")})";

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
        Source source = Source.Open(directory);
        (string trainImages, string trainLabels) = (source.Locate(MnistFiles.TrainImages), source.Locate(MnistFiles.TrainLabels));
        (string testImages, string testLabels) = (source.Locate(MnistFiles.TestImages), source.Locate(MnistFiles.TestLabels));
        source.CheckListed(MnistFiles.TrainImages, MnistFiles.TrainLabels, MnistFiles.TestImages, MnistFiles.TestLabels);
        source.VerifyOtherListedFiles();

        // The two sets are independent: read the test set on the thread pool while this thread reads the
        // training set (decompression is the bulk of the time).
        Task<LabeledImages> test = Task.Run(() => source.Read(testImages, MnistFiles.TestImages, testLabels, MnistFiles.TestLabels));
        LabeledImages train;
        try
        {
            train = source.Read(trainImages, MnistFiles.TrainImages, trainLabels, MnistFiles.TrainLabels);
        }
        catch
        {
            ObserveFailure(test);
            throw;
        }

        LabeledImages testSet = test.GetAwaiter().GetResult();
        CheckSameSize(train, testSet, testImages);
        return new MnistDataset(testSet, source.Directory, source.IsVerified, new Lazy<LabeledImages>(train));
    }

    /// <summary>
    /// Loads only the test set (<see cref="MnistFiles.TestImages"/> and <see cref="MnistFiles.TestLabels"/>) from
    /// <paramref name="directory"/>, verifying both against its <c>SHA256SUMS</c> when there is one. The training
    /// files need not exist.
    /// </summary>
    /// <param name="directory">The directory holding the files.</param>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    /// <exception cref="FileNotFoundException">A test file (or a non-MNIST file listed in SHA256SUMS) is missing.</exception>
    /// <exception cref="InvalidDataException">A test file is malformed or fails its checksum, or SHA256SUMS is
    /// malformed or does not list a test file.</exception>
    public static LabeledImages LoadTest(string directory) => ReadTestSet(Source.Open(directory));

    /// <summary>
    /// Loads the test set now (as <see cref="LoadTest"/>) and the training set the first time <see cref="Train"/> is
    /// read, so commands that never train (eval, attack, minimal) run with only the two test files present.
    /// </summary>
    /// <param name="directory">The directory holding the files.</param>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    /// <exception cref="FileNotFoundException">A test file (or a non-MNIST file listed in SHA256SUMS) is missing.</exception>
    /// <exception cref="InvalidDataException">A test file is malformed or fails its checksum, or SHA256SUMS is
    /// malformed or does not list a test file. The training files' problems are thrown by <see cref="Train"/>.</exception>
    public static MnistDataset Open(string directory)
    {
        Source source = Source.Open(directory);
        LabeledImages test = ReadTestSet(source);
        var train = new Lazy<LabeledImages>(() =>
        {
            string images = source.Locate(MnistFiles.TrainImages), labels = source.Locate(MnistFiles.TrainLabels);
            source.CheckListed(MnistFiles.TrainImages, MnistFiles.TrainLabels);
            LabeledImages set = source.Read(images, MnistFiles.TrainImages, labels, MnistFiles.TrainLabels);
            CheckSameSize(set, test, images);
            return set;
        });
        return new MnistDataset(test, source.Directory, source.IsVerified, train);
    }

    private static LabeledImages ReadTestSet(Source source)
    {
        string images = source.Locate(MnistFiles.TestImages), labels = source.Locate(MnistFiles.TestLabels);
        source.CheckListed(MnistFiles.TestImages, MnistFiles.TestLabels);
        source.VerifyOtherListedFiles();
        return source.Read(images, MnistFiles.TestImages, labels, MnistFiles.TestLabels);
    }

    private static void CheckSameSize(LabeledImages train, LabeledImages test, string reported)
    {
        if (train.Rows != test.Rows || train.Cols != test.Cols)
        {
            throw new InvalidDataException(
                $"{Path.GetFileName(reported)}: test images are {test.Rows} x {test.Cols} but training images are {train.Rows} x {train.Cols}");
        }
    }

    /// <summary>The environment variable naming the MNIST folder to use when none is given: <c>MININET_DATA</c>.</summary>
    public const string DirectoryVariable = "MININET_DATA";

    /// <summary>
    /// Finds the MNIST folder: the folder named by <see cref="DirectoryVariable"/> when it is set (returned as is, even if it
    /// does not exist, so that loading it says so); else walks up from the current directory, then from
    /// <see cref="AppContext.BaseDirectory"/> (which finds the copy installed beside the <c>mininet</c> tool), and returns
    /// the first <c>data/mnist</c> that holds <c>train-images-idx3-ubyte(.gz)</c> or <c>t10k-images-idx3-ubyte(.gz)</c>,
    /// or null if there is none.
    /// </summary>
    public static string? FindDefaultDirectory()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable(DirectoryVariable);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return fromEnvironment;
        }

        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, DefaultRelativeDirectory);
                if (new[] { MnistFiles.TrainImages, MnistFiles.TestImages }.Any(name =>
                        File.Exists(Path.Combine(candidate, name + MnistFiles.GzipSuffix)) || File.Exists(Path.Combine(candidate, name))))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    // A data directory and its optional SHA256SUMS: where each file is, and what its hash must be.
    private sealed class Source
    {
        private readonly Sha256Sums? _sums;

        private Source(string directory, Sha256Sums? sums)
        {
            Directory = directory;
            _sums = sums;
        }

        public string Directory { get; }

        public bool IsVerified => _sums is not null;

        public static Source Open(string directory)
        {
            ArgumentException.ThrowIfNullOrEmpty(directory);
            string full = Path.GetFullPath(directory);
            if (!System.IO.Directory.Exists(full))
            {
                throw new DirectoryNotFoundException(File.Exists(full)
                    ? $"{full}: is a file, not a directory holding the MNIST files"
                    : $"MNIST data directory not found: {full}");
            }

            string sumsPath = Path.Combine(full, MnistFiles.ChecksumFileName);
            return new Source(full, File.Exists(sumsPath) ? Sha256Sums.Load(sumsPath) : null);
        }

        // name.gz if it exists, else raw name, else a FileNotFoundException naming both.
        public string Locate(string name)
        {
            string gz = Path.Combine(Directory, name + MnistFiles.GzipSuffix);
            if (File.Exists(gz))
            {
                return gz;
            }

            string raw = Path.Combine(Directory, name);
            if (File.Exists(raw))
            {
                return raw;
            }

            throw new FileNotFoundException($"Data file not found: {gz} (nor {name})", gz);
        }

        // With a SHA256SUMS, each data file about to be read must be listed in it.
        public void CheckListed(params string[] names)
        {
            foreach (string name in names)
            {
                Expected(name);
            }
        }

        public LabeledImages Read(string imagesPath, string imagesName, string labelsPath, string labelsName) =>
            IdxReader.Read(imagesPath, Expected(imagesName), labelsPath, Expected(labelsName), _sums?.Path);

        // Files listed in SHA256SUMS besides the four data files are verified too, as sha256sum -c would.
        public void VerifyOtherListedFiles()
        {
            if (_sums is null)
            {
                return;
            }

            foreach ((string name, string expected) in _sums.Entries)
            {
                if (MnistFiles.Sha256.ContainsKey(name))
                {
                    continue;
                }

                string path = Locate(name);
                string actual = IdxStream.HashUncompressed(path);
                if (actual != expected)
                {
                    throw new InvalidDataException(
                        $"{Path.GetFileName(path)}: SHA-256 mismatch: expected {expected} (from {_sums.Path}), actual {actual} (hash of the uncompressed content)");
                }
            }
        }

        // The expected hash of a data file, or null when the directory has no SHA256SUMS.
        private string? Expected(string name)
        {
            if (_sums is null)
            {
                return null;
            }

            if (_sums.Entries.TryGetValue(name, out string? hash))
            {
                return hash;
            }

            throw new InvalidDataException(
                $"{MnistFiles.ChecksumFileName}: does not list {name}; list all four data files, or delete {_sums.Path} to load unverified");
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
