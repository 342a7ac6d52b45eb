using MiniNetFgsm.Reporting;

namespace MiniNetFgsm.Tests.Reporting;

public sealed class XyChartTests
{
    [Fact]
    public void Ticks_TutorialEpsRange_AreEveryFiveHundredthsFromZeroToPointThree()
    {
        IReadOnlyList<double> ticks = XyChart.Ticks(0, 0.3, 6);

        Assert.Equal([0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3], ticks);
        Assert.DoesNotContain(ticks, t => double.IsNegative(t));      // no "-0" label
    }

    [Fact]
    public void Ticks_SmallCountsWithMinimumStepOne_AreWholeNumbers()
    {
        Assert.Equal([0, 1, 2], XyChart.Ticks(0, 2, 8, minStep: 1));
    }

    [Fact]
    public void Wrap_LongLegendLabel_SplitsAtSpacesWithinTheWidth()
    {
        IReadOnlyList<string> lines = XyChart.Wrap("PyTorch FGSM tutorial, LeNet accuracy (published reference)", 150, 11);

        Assert.True(lines.Count > 1);
        Assert.All(lines, l => Assert.True(SvgBuilder.TextWidth(l, 11) <= 150 || !l.Contains(' '), l));
        Assert.Equal("PyTorch FGSM tutorial, LeNet accuracy (published reference)", string.Join(' ', lines));
    }

    [Fact]
    public void SvgText_MarkupCharacters_AreEscaped()
    {
        var svg = new SvgBuilder(10, 10);

        svg.Text(0, 0, "a < b & \"c\"");

        Assert.Contains("a &lt; b &amp; &quot;c&quot;", svg.ToDocument());
        System.Xml.Linq.XDocument.Parse(svg.ToDocument());
    }
}
