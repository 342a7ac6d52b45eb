using System.Globalization;
using CsvHelper;

namespace MiniNetFgsm.Cli;

/// <summary>
/// A double column written with a fixed number format, in the invariant culture (CsvHelper's <c>[CsvFormat]</c> is for
/// parsing dates and times, not for writing numbers). Floats need no converter: CsvHelper writes them as the shortest
/// text that reads back as the same value, as the format "R" did.
/// </summary>
internal abstract class FixedFormat(string format) : ICsvConverter<double>
{
    public double Read(CsvReader reader, int index) => double.Parse(reader.GetString(index), CultureInfo.InvariantCulture);

    public void Write(CsvWriter writer, double value) => writer.WriteField(value, format);
}

/// <summary>Up to six decimals, trailing zeros dropped: <c>0.9526</c>, <c>1</c>.</summary>
internal sealed class UpToSixDecimals() : FixedFormat("0.######");

/// <summary>Three decimals (seconds to the millisecond).</summary>
internal sealed class ThreeDecimals() : FixedFormat("0.000");

/// <summary>One decimal.</summary>
internal sealed class OneDecimal() : FixedFormat("0.0");
