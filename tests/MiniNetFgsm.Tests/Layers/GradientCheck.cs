using MiniNetFgsm.Layers;

namespace MiniNetFgsm.Tests.Layers;

/// <summary>
/// Finite-difference gradient checks. For a scalar loss L(v) (computed in double from the float forward pass),
/// the numerical derivative is the central difference (L(v + h) − L(v − h)) / 2h, whose truncation error is O(h²);
/// it must match the analytic gradient within |analytic − numeric| ≤ Absolute + Relative · |numeric|, which the tests
/// assert on the worst element each check returns.
/// </summary>
internal static class GradientCheck
{
    /// <summary>
    /// Compares every element of <paramref name="variable"/> (or an evenly spaced sample of at most <paramref name="maxChecks"/>)
    /// and returns the worst one; the test asserts on it.
    /// </summary>
    public static GradientCheckResult Check(
        string what, Func<double> loss, float[] variable, ReadOnlySpan<float> analytic,
        double step, double absolute, double relative, int maxChecks = 400)
    {
        Assert.Equal(variable.Length, analytic.Length);
        int stride = Math.Max(1, variable.Length / maxChecks);
        var worst = new GradientCheckResult(what, 0, "no element checked");
        for (int i = 0; i < variable.Length; i += stride)
        {
            float saved = variable[i];
            variable[i] = saved + (float)step;
            double plus = loss();
            variable[i] = saved - (float)step;
            double minus = loss();
            variable[i] = saved;

            // The effective step is what float storage actually held, not the nominal h.
            double actualStep = ((double)(saved + (float)step) - (saved - (float)step)) / 2;
            double numeric = (plus - minus) / (2 * actualStep);
            double error = Math.Abs(analytic[i] - numeric);
            double ratio = error / (absolute + relative * Math.Abs(numeric));
            // A NaN ratio (NaN gradient) is the worst possible and stays: it fails the test's "≤ 1".
            if (i == 0 || double.IsNaN(ratio) || (!double.IsNaN(worst.WorstRatio) && ratio > worst.WorstRatio))
            {
                worst = new GradientCheckResult(what, ratio, $"[{i}]: analytic {analytic[i]:g6} vs numeric {numeric:g6} (|diff| {error:g3})");
            }
        }

        return worst;
    }

    /// <summary>L = Σ out · dout, in double.</summary>
    public static double Dot(Tensor output, float[] dout)
    {
        double sum = 0;
        ReadOnlySpan<float> o = output.Span;
        for (int i = 0; i < o.Length; i++)
        {
            sum += (double)o[i] * dout[i];
        }

        return sum;
    }

    /// <summary>
    /// Full check of one layer: input gradient and every parameter gradient for L = Σ layer(x) · dout with a
    /// random dout. <paramref name="beforeForward"/> runs before every forward (e.g. to replay a dropout mask).
    /// </summary>
    public static IReadOnlyList<GradientCheckResult> CheckLayer(
        Layer layer, Tensor x, Random random, bool training = false, Action? beforeForward = null,
        double step = 1e-2, double absolute = 5e-4, double relative = 2e-3)
    {
        beforeForward?.Invoke();
        Tensor output = layer.Forward(x, training);
        float[] dout = TestData.Uniform(random, output.Length);
        foreach (Parameter p in layer.Parameters)
        {
            p.Gradient.Clear();
        }

        float[] dx = (float[])layer.Backward(new Tensor(dout, output.Shape))!.Data.Clone();
        float[][] parameterGradients = layer.Parameters.Select(p => (float[])p.Gradient.Data.Clone()).ToArray();

        double Loss()
        {
            beforeForward?.Invoke();
            return Dot(layer.Forward(x, training), dout);
        }

        var results = new List<GradientCheckResult> { Check($"{layer.GetType().Name} dx", Loss, x.Data, dx, step, absolute, relative) };
        for (int k = 0; k < layer.Parameters.Count; k++)
        {
            Parameter p = layer.Parameters[k];
            results.Add(Check($"{layer.GetType().Name} d{p.Name}", Loss, p.Value.Data, parameterGradients[k], step, absolute, relative));
        }

        return results;
    }
}

/// <summary>The worst element of one gradient check: |analytic − numeric| / (absolute + relative · |numeric|), passing at ≤ 1.</summary>
internal sealed record GradientCheckResult(string What, double WorstRatio, string Worst)
{
    public override string ToString() => $"{What}{Worst}: error ratio {WorstRatio:g3} (must be ≤ 1)";
}
