using System.Globalization;

namespace MiniNetFgsm.Reporting;

/// <summary>One line of an <see cref="XyChart"/>: points joined in order, optionally dashed and with markers.</summary>
/// <param name="Label">The legend entry.</param>
/// <param name="Points">Data coordinates; NaN y values break the line.</param>
/// <param name="Color">An SVG color.</param>
/// <param name="Dash">An SVG dash array ("6 4"), or null for a solid line.</param>
/// <param name="Markers">Draw a dot at every point.</param>
/// <param name="Step">Draw as a staircase (the value holds until the next x), as a cumulative count is.</param>
/// <param name="NoLine">Draw the markers only.</param>
public sealed record ChartLine(string Label, IReadOnlyList<(double X, double Y)> Points, string Color, string? Dash = null, bool Markers = true, bool Step = false, bool NoLine = false);

/// <summary>One bar of an <see cref="XyChart"/>: from x <paramref name="Left"/> to <paramref name="Right"/>, up to <paramref name="Height"/>.</summary>
public sealed record ChartBar(double Left, double Right, double Height);

/// <summary>A labelled vertical rule across an <see cref="XyChart"/> at x = <paramref name="X"/>.</summary>
public sealed record ChartMarker(double X, string Label, string Color);

/// <summary>
/// A line and bar chart with linear axes, "nice" ticks, a light grid and a legend to the right of the plot area,
/// drawn into a box of an <see cref="SvgBuilder"/>.
/// </summary>
public sealed class XyChart
{
    private const double FontSize = 12;
    private const double LegendSwatch = 24;

    /// <summary>Title above the plot.</summary>
    public required string Title { get; init; }

    /// <summary>Label under the x axis.</summary>
    public required string XTitle { get; init; }

    /// <summary>Label beside the y axis.</summary>
    public required string YTitle { get; init; }

    /// <summary>The x range shown.</summary>
    public required (double Min, double Max) X { get; init; }

    /// <summary>The y range shown.</summary>
    public required (double Min, double Max) Y { get; init; }

    /// <summary>Lines, drawn in order over the bars.</summary>
    public IReadOnlyList<ChartLine> Lines { get; init; } = [];

    /// <summary>Bars (a histogram), drawn first.</summary>
    public IReadOnlyList<ChartBar> Bars { get; init; } = [];

    /// <summary>The bars' legend entry and color.</summary>
    public (string Label, string Color) BarStyle { get; init; } = ("", "#8fb3d9");

    /// <summary>Vertical rules with a label at their top.</summary>
    public IReadOnlyList<ChartMarker> Markers { get; init; } = [];

    /// <summary>The x ticks, or null for evenly spaced "nice" ones.</summary>
    public IReadOnlyList<double>? XTicks { get; init; }

    /// <summary>Format of the x tick labels.</summary>
    public string XFormat { get; init; } = "0.##";

    /// <summary>The smallest step between y ticks (1 for counts, so small counts get no fractional ticks).</summary>
    public double YMinStep { get; init; }

    /// <summary>Format of the y tick labels.</summary>
    public string YFormat { get; init; } = "0.##";

    /// <summary>Width reserved right of the plot for the legend (0 for none).</summary>
    public double LegendWidth { get; init; } = 190;

    /// <summary>Draws the chart into the box (left, top, width, height) of <paramref name="svg"/>.</summary>
    public void Draw(SvgBuilder svg, double left, double top, double width, double height)
    {
        // The plot area, inside margins for the title, tick labels and axis titles.
        double px = left + 62, py = top + 30, pw = width - 62 - 12 - LegendWidth, ph = height - 30 - 46;
        double Sx(double x) => px + (x - X.Min) / (X.Max - X.Min) * pw;
        double Sy(double y) => py + ph - (y - Y.Min) / (Y.Max - Y.Min) * ph;

        svg.Text(px + pw / 2, top + 18, Title, 14, "middle", bold: true);
        svg.Rect(px, py, pw, ph, "white", "#999");
        foreach (double t in XTicks ?? Ticks(X.Min, X.Max, pw / 70))
        {
            svg.Line(Sx(t), py, Sx(t), py + ph, "#e6e6e6");
            svg.Line(Sx(t), py + ph, Sx(t), py + ph + 4, "#666");
            svg.Text(Sx(t), py + ph + 17, t.ToString(XFormat, CultureInfo.InvariantCulture), FontSize, "middle");
        }

        foreach (double t in Ticks(Y.Min, Y.Max, ph / 45, YMinStep))
        {
            svg.Line(px, Sy(t), px + pw, Sy(t), "#e6e6e6");
            svg.Line(px - 4, Sy(t), px, Sy(t), "#666");
            svg.Text(px - 7, Sy(t) + 4, t.ToString(YFormat, CultureInfo.InvariantCulture), FontSize, "end");
        }

        svg.Text(px + pw / 2, py + ph + 38, XTitle, FontSize + 1, "middle");
        svg.Text(left + 16, py + ph / 2, YTitle, FontSize + 1, "middle", rotate: -90);

        foreach (ChartBar bar in Bars)
        {
            double x0 = Sx(Math.Max(bar.Left, X.Min)), x1 = Sx(Math.Min(bar.Right, X.Max));
            double y = Sy(Math.Min(bar.Height, Y.Max));
            if (x1 > x0 && bar.Height > 0)
            {
                svg.Rect(x0, y, x1 - x0, py + ph - y, BarStyle.Color, "white", 0.5);
            }
        }

        for (int i = 0; i < Markers.Count; i++)
        {
            ChartMarker m = Markers[i];
            if (m.X >= X.Min && m.X <= X.Max)
            {
                // Labels stagger downwards, so close rules (quartiles) keep readable labels.
                svg.Line(Sx(m.X), py, Sx(m.X), py + ph, m.Color, 1.2, "4 3");
                svg.Text(Sx(m.X) + 3, py + 13 + 14 * i, m.Label, FontSize - 1, "start", m.Color);
            }
        }

        foreach (ChartLine line in Lines)
        {
            var segment = new List<(double X, double Y)>();
            (double X, double Y)? previous = null;
            foreach ((double x, double y) in line.Points)
            {
                if (double.IsNaN(y) || x < X.Min || x > X.Max)
                {
                    Flush(svg, line, segment);
                    previous = null;
                    continue;
                }

                if (line.Step && previous is { } p)
                {
                    segment.Add((Sx(x), Sy(p.Y)));
                }

                segment.Add((Sx(x), Sy(Math.Clamp(y, Y.Min, Y.Max))));
                previous = (x, y);
            }

            Flush(svg, line, segment);
            if (line.Markers)
            {
                foreach ((double x, double y) in line.Points.Where(p => !double.IsNaN(p.Y) && p.X >= X.Min && p.X <= X.Max))
                {
                    svg.Circle(Sx(x), Sy(Math.Clamp(y, Y.Min, Y.Max)), 3.2, line.Color, "white");
                }
            }
        }

        if (LegendWidth > 0)
        {
            double lx = px + pw + 14, ly = py + 6;
            if (Bars.Count > 0 && BarStyle.Label.Length > 0)
            {
                svg.Rect(lx, ly, LegendSwatch, 10, BarStyle.Color);
                ly = LegendText(svg, lx, ly, BarStyle.Label);
            }

            foreach (ChartLine line in Lines)
            {
                if (!line.NoLine)
                {
                    svg.Line(lx, ly + 5, lx + LegendSwatch, ly + 5, line.Color, 2, line.Dash);
                }

                if (line.Markers)
                {
                    svg.Circle(lx + LegendSwatch / 2, ly + 5, 3.2, line.Color, "white");
                }

                ly = LegendText(svg, lx, ly, line.Label);
            }
        }
    }

    /// <summary>Writes a legend label beside its swatch, wrapped to the legend's width; returns the next entry's top.</summary>
    private double LegendText(SvgBuilder svg, double lx, double ly, string label)
    {
        foreach (string part in Wrap(label, LegendWidth - LegendSwatch - 20, FontSize - 1))
        {
            svg.Text(lx + LegendSwatch + 6, ly + 9, part, FontSize - 1);
            ly += 14;
        }

        return ly + 6;
    }

    /// <summary>Splits <paramref name="text"/> at spaces into lines no wider than <paramref name="width"/> (by the estimate).</summary>
    public static IReadOnlyList<string> Wrap(string text, double width, double size)
    {
        var lines = new List<string>();
        string current = "";
        foreach (string word in text.Split(' '))
        {
            string candidate = current.Length == 0 ? word : current + " " + word;
            if (current.Length > 0 && SvgBuilder.TextWidth(candidate, size) > width)
            {
                lines.Add(current);
                current = word;
            }
            else
            {
                current = candidate;
            }
        }

        lines.Add(current);
        return lines;
    }

    private static void Flush(SvgBuilder svg, ChartLine line, List<(double X, double Y)> segment)
    {
        if (segment.Count > 1 && !line.NoLine)
        {
            svg.Polyline(segment, line.Color, 2, line.Dash);
        }

        segment.Clear();
    }

    /// <summary>
    /// Ticks at 1, 2 or 5 × 10^n, about <paramref name="count"/> of them between min and max (both inclusive when on the
    /// step), at least <paramref name="minStep"/> apart.
    /// </summary>
    public static IReadOnlyList<double> Ticks(double min, double max, double count, double minStep = 0)
    {
        double raw = (max - min) / Math.Max(count, 1);
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = Math.Max(NiceStep(raw, magnitude), minStep);
        var ticks = new List<double>();
        for (double t = Math.Ceiling(min / step - 1e-9) * step; t <= max + step * 1e-9; t += step)
        {
            double tick = Math.Round(t, 10);
            ticks.Add(tick == 0 ? 0 : tick);     // -0 would print as "-0"
        }

        return ticks;
    }

    private static double NiceStep(double raw, double magnitude)
    {
        double f = raw / magnitude;
        return magnitude * (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10);
    }
}
