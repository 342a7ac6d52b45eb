using System.Globalization;
using System.Security;
using System.Text;

namespace MiniNetFgsm.Reporting;

/// <summary>
/// A small SVG writer: rectangles, lines, polylines, circles, text and embedded PNG images, in user units (pixels).
/// </summary>
/// <remarks>
/// <para>Why not OxyPlot.Core's <c>SvgExporter</c>: tried with OxyPlot.Core 2.2.0, it exports one plot per file, draws a
/// heat map as one bitmap that browsers smooth (no crisp cells, no counts in them), measures text with PDF font metrics
/// that do not match the browser's font (legend entries came out cut off), starts every file with a DOCTYPE naming an
/// http URL and names every clip path <c>clipPath1</c>, so two plots inlined in one HTML page clip each other. The figures
/// here need several panels per file, image tiles, counts in cells and text that fits, so they are drawn directly.</para>
/// <para>Text widths are estimated (<see cref="TextWidth"/>) and layouts leave room for that estimate, so nothing needs a
/// font at build time; the output names only the generic <c>sans-serif</c> family.</para>
/// </remarks>
public sealed class SvgBuilder
{
    private readonly StringBuilder body = new();

    /// <summary>Starts an empty drawing of <paramref name="width"/> × <paramref name="height"/> pixels.</summary>
    public SvgBuilder(double width, double height)
    {
        Width = width;
        Height = height;
    }

    /// <summary>Width of the drawing, in pixels.</summary>
    public double Width { get; }

    /// <summary>Height of the drawing, in pixels.</summary>
    public double Height { get; }

    /// <summary>A rough width of <paramref name="text"/> in a sans-serif font of <paramref name="size"/> pixels (0.56 em per character).</summary>
    public static double TextWidth(string text, double size) => 0.56 * size * text.Length;

    /// <summary>A filled rectangle, optionally outlined.</summary>
    public void Rect(double x, double y, double width, double height, string fill, string? stroke = null, double strokeWidth = 1)
        => body.Append($"<rect x=\"{N(x)}\" y=\"{N(y)}\" width=\"{N(width)}\" height=\"{N(height)}\" fill=\"{fill}\"{Stroke(stroke, strokeWidth, null)}/>\n");

    /// <summary>A straight line; <paramref name="dash"/> is an SVG dash array such as "6 4".</summary>
    public void Line(double x1, double y1, double x2, double y2, string stroke, double strokeWidth = 1, string? dash = null)
        => body.Append($"<line x1=\"{N(x1)}\" y1=\"{N(y1)}\" x2=\"{N(x2)}\" y2=\"{N(y2)}\"{Stroke(stroke, strokeWidth, dash)}/>\n");

    /// <summary>An open polyline through <paramref name="points"/>.</summary>
    public void Polyline(IEnumerable<(double X, double Y)> points, string stroke, double strokeWidth = 1.5, string? dash = null)
    {
        string list = string.Join(' ', points.Select(p => $"{N(p.X)},{N(p.Y)}"));
        body.Append($"<polyline points=\"{list}\" fill=\"none\"{Stroke(stroke, strokeWidth, dash)} stroke-linejoin=\"round\"/>\n");
    }

    /// <summary>A filled circle.</summary>
    public void Circle(double cx, double cy, double r, string fill, string? stroke = null)
        => body.Append($"<circle cx=\"{N(cx)}\" cy=\"{N(cy)}\" r=\"{N(r)}\" fill=\"{fill}\"{Stroke(stroke, 1, null)}/>\n");

    /// <summary>
    /// Text with its baseline at <paramref name="y"/>; <paramref name="anchor"/> is start, middle or end;
    /// <paramref name="rotate"/> turns it (degrees, clockwise) about (x, y).
    /// </summary>
    public void Text(double x, double y, string text, double size = 12, string anchor = "start", string fill = "#222", bool bold = false, double rotate = 0)
    {
        string transform = rotate == 0 ? "" : $" transform=\"rotate({N(rotate)} {N(x)} {N(y)})\"";
        string weight = bold ? " font-weight=\"bold\"" : "";
        body.Append($"<text x=\"{N(x)}\" y=\"{N(y)}\" font-size=\"{N(size)}\" text-anchor=\"{anchor}\" fill=\"{fill}\"{weight}{transform}>{Escape(text)}</text>\n");
    }

    /// <summary>
    /// A PNG drawn into the box (x, y, width, height) from a data URI, scaled without smoothing
    /// (<c>image-rendering: pixelated</c>), so upscaled pixels stay square.
    /// </summary>
    public void Image(double x, double y, double width, double height, byte[] png, string? title = null)
    {
        string uri = "data:image/png;base64," + Convert.ToBase64String(png);
        string tip = title is null ? "" : $"<title>{Escape(title)}</title>";
        body.Append($"<image x=\"{N(x)}\" y=\"{N(y)}\" width=\"{N(width)}\" height=\"{N(height)}\" preserveAspectRatio=\"none\" " +
                    $"style=\"image-rendering:pixelated\" href=\"{uri}\">{tip}</image>\n");
    }

    /// <summary>
    /// A standalone SVG file: an XML declaration and an <c>&lt;svg&gt;</c> root in the SVG namespace (which a browser needs
    /// to open the file on its own). Images use SVG 2's plain <c>href</c>.
    /// </summary>
    public string ToDocument()
        => "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" +
           $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{N(Width)}\" height=\"{N(Height)}\" viewBox=\"0 0 {N(Width)} {N(Height)}\" " +
           $"font-family=\"sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n{body}</svg>\n";

    /// <summary>
    /// The same drawing as an <c>&lt;svg&gt;</c> element for inlining in HTML: an HTML parser puts it in the SVG namespace
    /// by itself, so it carries no namespace URL. It scales down to the page width, keeping its aspect ratio.
    /// </summary>
    public string ToInline()
        => $"<svg viewBox=\"0 0 {N(Width)} {N(Height)}\" width=\"{N(Width)}\" style=\"max-width:100%;height:auto\" " +
           $"font-family=\"sans-serif\" role=\"img\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n{body}</svg>\n";

    /// <summary>Escapes &amp;, &lt;, &gt;, quotes for XML text and attributes.</summary>
    public static string Escape(string text) => SecurityElement.Escape(text);

    /// <summary>A number in invariant culture with at most two decimals.</summary>
    private static string N(double value) => Math.Round(value, 2).ToString(CultureInfo.InvariantCulture);

    private static string Stroke(string? stroke, double width, string? dash)
        => stroke is null ? "" : $" stroke=\"{stroke}\" stroke-width=\"{N(width)}\"" + (dash is null ? "" : $" stroke-dasharray=\"{dash}\"");
}
