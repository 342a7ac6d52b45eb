using System.Globalization;
using CsvHelper;

namespace MiniNetFgsm.Cli;

/// <summary>
/// Every CSV the CLI writes goes through CsvHelper with a typed <c>[CsvRecord]</c> class: its <c>[CsvColumn]</c> and
/// <c>[CsvFormat]</c> attributes are the columns, their order and their number formats. Invariant culture, so a dot is the
/// decimal point whatever the machine's locale.
/// </summary>
internal static class CsvFile
{
    /// <summary>
    /// Writes <paramref name="records"/> under their header to <paramref name="path"/>, atomically (a temporary file moved
    /// over the target), with CsvHelper's CRLF line endings.
    /// </summary>
    public static void Write<T>(string path, IEnumerable<T> records)
        => AtomicFile.WriteText(path, writer =>
        {
            using var csv = CsvWriter.Create(writer, Options, leaveOpen: true);
            csv.WriteRecords(records);
        });

    /// <summary>The column names of <typeparamref name="T"/>, in order.</summary>
    public static string[] Header<T>() => Fields(csv => csv.WriteHeader<T>());

    /// <summary>The text of each field of <paramref name="record"/>, exactly as <see cref="Write"/> puts it in the file.</summary>
    public static string[] Fields<T>(T record) => Fields(csv => csv.WriteRecord(record));

    /// <summary>A writer for CSV lines on the console (or any text writer), ending lines as it does and leaving it open.</summary>
    public static CsvWriter OnConsole(TextWriter writer)
        => CsvWriter.Create(writer, Options with { NewLine = writer.NewLine }, leaveOpen: true);

    private static CsvWriterOptions Options => CsvWriterOptions.Default with { FormatProvider = CultureInfo.InvariantCulture };

    // Our fields never hold a comma, quote or line break (numbers, names, "least-likely"), so none is quoted and a split is exact.
    private static string[] Fields(Action<CsvWriter> write)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = CsvWriter.Create(text, Options, leaveOpen: true))
        {
            write(csv);
        }

        return text.ToString().TrimEnd('\r', '\n').Split(',');
    }
}
