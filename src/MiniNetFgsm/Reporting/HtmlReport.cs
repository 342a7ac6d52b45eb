using System.Globalization;
using System.Net;
using System.Text;
using MiniNetFgsm.Attacks;
using MiniNetFgsm.Serialization;
using MiniNetFgsm.Models;
using MiniNetFgsm.Training;

namespace MiniNetFgsm.Reporting;

/// <summary>The files <see cref="HtmlReport.Write"/> wrote.</summary>
/// <param name="Directory">The output folder.</param>
/// <param name="Html">report.html.</param>
/// <param name="Svgs">Every SVG figure, by file name.</param>
/// <param name="Histogram">The minimal-eps histogram as drawn.</param>
public sealed record ReportFiles(string Directory, string Html, IReadOnlyDictionary<string, string> Svgs, MinimalEpsHistogram Histogram);

/// <summary>
/// Writes the figures as standalone SVG files and <c>report.html</c>: every figure inline, a short text per figure, the
/// settings and the tables. The page is self-contained: inline SVG, images as data URIs, one inline style sheet, no
/// script, and no reference to anything on the network, so it opens straight from disk.
/// </summary>
public static class HtmlReport
{
    /// <summary>The report page's file name.</summary>
    public const string HtmlName = "report.html";

    /// <summary>Draws every figure of <paramref name="data"/> and writes it, with report.html, into <paramref name="directory"/> (created if needed).</summary>
    public static ReportFiles Write(ReportData data, string directory)
    {
        Directory.CreateDirectory(directory);
        var figures = new List<(string Name, string Title, string Text, SvgBuilder Svg)>
        {
            ("accuracy_vs_eps.svg", "Accuracy against eps", AccuracyText(data), ReportFigures.AccuracyVsEps(data)),
            ("examples.svg", "Adversarial examples", ExamplesText(data), ReportFigures.Examples(data)),
            ("minimal_eps.svg", "Minimal eps per image", MinimalText(data), ReportFigures.MinimalEps(data, out MinimalEpsHistogram histogram)),
            ("confusion.svg", "Confusion matrices", ConfusionText(data), ReportFigures.Confusion(data)),
        };
        if (data.History is { Epochs.Count: > 0 } history)
        {
            figures.Add(("training.svg", "Training history", TrainingText(history), ReportFigures.Training(history, data.ModelName)));
        }

        var svgs = new Dictionary<string, string>();
        foreach ((string name, _, _, SvgBuilder svg) in figures)
        {
            string path = Path.Combine(directory, name);
            AtomicFile.WriteText(path, w => w.Write(svg.ToDocument()));
            svgs[name] = path;
        }

        string html = Path.Combine(directory, HtmlName);
        AtomicFile.WriteText(html, w => w.Write(Build(data, figures)));
        return new ReportFiles(directory, html, svgs, histogram);
    }

    private static string Build(ReportData data, IReadOnlyList<(string Name, string Title, string Text, SvgBuilder Svg)> figures)
    {
        var h = new StringBuilder();
        h.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        h.Append($"<title>Robustness report: {E(data.ModelName)}</title>\n");
        h.Append("""
            <style>
            body { font-family: sans-serif; margin: 24px auto; max-width: 1240px; color: #222; line-height: 1.45; padding: 0 16px; }
            h1 { font-size: 26px; margin-bottom: 4px; } h2 { font-size: 20px; margin-top: 36px; border-bottom: 1px solid #ddd; }
            table { border-collapse: collapse; margin: 12px 0; font-size: 14px; }
            th, td { border: 1px solid #ccc; padding: 4px 10px; text-align: right; } th { background: #f2f2f2; }
            td.k, th.k { text-align: left; }
            figure { margin: 12px 0; } figcaption { color: #555; font-size: 13px; }
            .lead { font-size: 17px; }
            </style>

            """);
        h.Append("</head>\n<body>\n");
        h.Append($"<h1>Robustness report: {E(data.ModelName)}</h1>\n");
        h.Append($"<p class=\"lead\">Architecture <b>{E(data.Architecture)}</b>, clean accuracy <b>{P(data.Clean.Accuracy)}</b> " +
                 $"({data.Clean.Correct} of {data.Clean.Total} test images). Figures and tables below come from the library's own " +
                 $"sweeps and searches ({F(data.Seconds, "0.0")} s of computing).</p>\n");

        h.Append("<h2>Settings</h2>\n<table>\n");
        Row(h, "model file", data.ModelName);
        Row(h, "architecture", data.Architecture);
        Row(h, "test images", data.Images.ToString(CultureInfo.InvariantCulture));
        Row(h, "eps", string.Join(", ", data.Options.Epsilons.Select(e => F(e, "0.###"))));
        Row(h, "attacks", string.Join(", ", data.Sweeps.Select(s => ReportFigures.MethodName(s.Method))));
        if (data.Sweeps.Any(s => s.Method is AttackMethod.Bim or AttackMethod.Pgd))
        {
            AttackOptions a = data.Options.Attack;
            Row(h, "BIM/PGD", $"{a.Steps} steps, step size {(a.StepSize is float alpha ? F(alpha, "0.####") : "2.5 · eps / steps")}, {a.Restarts} PGD restart(s), seed {a.Seed}");
        }

        Row(h, "examples per row", data.Examples.Count.ToString(CultureInfo.InvariantCulture));
        Row(h, "confusion matrix eps", F(data.Options.ConfusionEpsilon, "0.###"));
        Row(h, "minimal search", $"every k/255 for k = 1..{data.Minimal.MaxK}");
        h.Append("</table>\n");
        if (data.History is { } history)
        {
            h.Append("<p>Training settings stored in the model file:</p>\n<table>\n");
            foreach ((string key, string value) in history.Settings)
            {
                Row(h, key, value);
            }

            h.Append("</table>\n");
        }

        foreach ((string name, string title, string text, SvgBuilder svg) in figures)
        {
            h.Append($"<h2>{E(title)}</h2>\n<p>{text}</p>\n<figure>\n{svg.ToInline()}<figcaption>{E(name)}</figcaption>\n</figure>\n");
            switch (name)
            {
                case "accuracy_vs_eps.svg":
                    SweepTable(h, data);
                    break;
                case "minimal_eps.svg":
                    MinimalTable(h, data);
                    break;
                case "training.svg":
                    TrainingTable(h, data.History!);
                    break;
            }
        }

        h.Append("</body>\n</html>\n");
        return h.ToString();
    }

    private static string AccuracyText(ReportData data)
        => "Accuracy on the attacked test images against the perturbation budget eps (solid lines), and each attack's success rate: " +
           "of the images classified correctly when clean, the fraction the attack makes misclassified (dotted)." +
           (data.Reference.Count > 0 ? " The dashed gray line is the accuracy the PyTorch FGSM tutorial published for its LeNet, as a reference." : "");

    private static string ExamplesText(ReportData data)
        => $"The same {data.Examples.Count} test images in every row, attacked by FGSM at each eps and shown four times enlarged " +
           "(nearest neighbour, so each pixel is a square). Each caption reads true class → predicted class (softmax confidence), in red once the model is fooled. " +
           "On the right, for each image: the clean image, FGSM at the smallest eps k/255 that fools it, and the perturbation x_adv − x " +
           "(gray is 0, white is +eps, black −eps; pixels already at 0 or 1 cannot move further and stay gray).";

    private static string MinimalText(ReportData data)
    {
        MinimalEpsilonSummary s = data.Minimal.Summarize();
        return "Left: how many images need how much: for each image classified correctly when clean, the smallest FGSM step eps = k/255 that changes " +
               $"its prediction (exact, every k tried); the dashed lines mark the quartiles (median {Eps(s.Median)}). Right: the fraction of all images " +
               "fooled at some eps ≤ x, against FGSM at exactly each eps (the sweep). The staircase can lie above the sweep's points: a prediction can " +
               "flip at a small eps and flip back at a larger one.";
    }

    private static string ConfusionText(ReportData data)
        => $"Rows are the true class, columns the predicted one; left on clean images, right under FGSM at eps {F(data.Options.ConfusionEpsilon, "0.###")}. " +
           "The red cells off the diagonal show which digits the attack turns into which; both matrices share one color scale, so their shades compare.";

    private static string TrainingText(TrainingHistory history)
        => $"The history stored in the model file by mininet train: mean training loss and test accuracy after each of the {history.Epochs.Count} epoch(s).";

    private static void SweepTable(StringBuilder h, ReportData data)
    {
        h.Append("<table>\n<tr><th>eps</th>");
        foreach (MethodSweep s in data.Sweeps)
        {
            string n = E(ReportFigures.MethodName(s.Method));
            h.Append($"<th>{n} accuracy</th><th>{n} attack success</th><th>{n} mean confidence</th>");
        }

        if (data.Reference.Count > 0)
        {
            h.Append("<th>PyTorch tutorial accuracy</th>");
        }

        h.Append("</tr>\n");
        for (int e = 0; e < data.Options.Epsilons.Count; e++)
        {
            float eps = data.Options.Epsilons[e];
            h.Append($"<tr><td>{F(eps, "0.###")}</td>");
            foreach (MethodSweep s in data.Sweeps)
            {
                AttackSweepRow r = s.Rows[e];
                h.Append($"<td>{F(r.Accuracy, "0.0000")}</td><td>{P(r.AttackSuccessRate)}</td><td>{F(r.MeanAdversarialConfidence, "0.0000")}</td>");
            }

            if (data.Reference.Count > 0)
            {
                var match = data.Reference.Where(r => Math.Abs(r.Epsilon - eps) < 1e-6).ToList();
                h.Append($"<td>{(match.Count > 0 ? F(match[0].Accuracy, "0.0000") : "–")}</td>");
            }

            h.Append("</tr>\n");
        }

        h.Append("</table>\n<p>Sweep times: " + string.Join(", ", data.Sweeps.Select(s => $"{E(ReportFigures.MethodName(s.Method))} {F(s.Seconds, "0.0")} s")) + ".</p>\n");
    }

    private static void MinimalTable(StringBuilder h, ReportData data)
    {
        MinimalFgsmResult m = data.Minimal;
        MinimalEpsilonSummary s = m.Summarize();
        h.Append("<table>\n<tr><th class=\"k\">images</th><th>misclassified clean</th><th>fooled</th><th>never fooled</th><th>Q1</th><th>median</th><th>Q3</th><th>mean of the fooled</th></tr>\n");
        h.Append($"<tr><td class=\"k\">{s.Total}</td><td>{s.CleanMisclassified}</td><td>{s.Found}</td><td>{s.NotFound}</td><td>{Eps(s.Q1)}</td><td>{Eps(s.Median)}</td><td>{Eps(s.Q3)}</td><td>{Eps(s.Mean)}</td></tr>\n</table>\n");
        h.Append("<table>\n<tr><th>eps</th><th>grid k</th><th>fooled at some k/255 ≤ eps</th><th>fooled by FGSM at exactly eps</th><th>sweep accuracy</th></tr>\n");
        for (int e = 0; e < m.ExactEpsilons.Count; e++)
        {
            float eps = m.ExactEpsilons[e];
            int k = MinimalFgsm.GridSteps(eps);
            double at = (double)m.FooledAt[e] / Math.Max(1, s.Total);
            string within = k <= m.MaxK ? P(m.FractionFooledWithin(k)) : "n/a";
            h.Append($"<tr><td>{F(eps, "0.###")}</td><td>{k}</td><td>{within}</td><td>{P(at)}</td><td>{F(1 - at, "0.0000")}</td></tr>\n");
        }

        h.Append("</table>\n");
    }

    private static void TrainingTable(StringBuilder h, TrainingHistory history)
    {
        bool robust = history.Epochs.Any(e => double.IsFinite(e.RobustAccuracy));
        h.Append("<table>\n<tr><th>epoch</th><th>training loss</th><th>test accuracy</th>" + (robust ? "<th>PGD robust accuracy</th>" : "") + "<th>seconds</th></tr>\n");
        foreach (EpochResult e in history.Epochs)
        {
            h.Append($"<tr><td>{e.Epoch}</td><td>{F(e.TrainLoss, "0.0000")}</td><td>{P(e.TestAccuracy)}</td>" +
                     (robust ? $"<td>{P(e.RobustAccuracy)}</td>" : "") + $"<td>{F(e.Seconds, "0.0")}</td></tr>\n");
        }

        h.Append("</table>\n");
    }

    private static void Row(StringBuilder h, string key, string value) => h.Append($"<tr><th class=\"k\">{E(key)}</th><td class=\"k\">{E(value)}</td></tr>\n");

    private static string Eps(double eps) => double.IsNaN(eps) ? "–" : double.IsPositiveInfinity(eps) ? "∞" : $"{F(eps, "0.0000")} (k = {F(eps * 255, "0.#")})";

    private static string P(double fraction) => double.IsFinite(fraction) ? F(100 * fraction, "0.00") + "%" : "–";

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
