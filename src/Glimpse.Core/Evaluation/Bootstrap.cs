using System.Globalization;

namespace Glimpse.Core.Evaluation;

/// <summary>A mean over items with its 95% confidence interval; NaN everywhere when no item has the value.</summary>
public sealed record Estimate(int Count, double Mean, double Low, double High)
{
    /// <summary>"mean [low, high]" to three significant digits; "—" without a value.</summary>
    public string Describe() => Count == 0
        ? "—"
        : string.Create(CultureInfo.InvariantCulture, $"{Mean:G3} [{Low:G3}, {High:G3}]");
}

/// <summary>
/// 95% confidence intervals by the percentile bootstrap: <see cref="Resamples"/> resamples of the items with
/// replacement, the 2.5th and 97.5th percentiles of their means. It assumes no distribution, which matters for bounded
/// or binary metrics (the pointing game) on a few hundred items; seeded, so a run's numbers are reproducible.
/// </summary>
public static class Bootstrap
{
    public const int Resamples = 2000;

    /// <summary>The mean of the finite values and its interval (NaN values, e.g. items without a reference, are left out).</summary>
    public static Estimate Mean(IEnumerable<double> values, int seed)
    {
        double[] x = values.Where(double.IsFinite).ToArray();
        if (x.Length == 0) return new Estimate(0, double.NaN, double.NaN, double.NaN);
        double mean = x.Average();
        if (x.Length == 1) return new Estimate(1, mean, mean, mean);
        var random = new Random(seed);
        var means = new double[Resamples];
        for (int b = 0; b < Resamples; b++)
        {
            double sum = 0;
            for (int i = 0; i < x.Length; i++) sum += x[random.Next(x.Length)];
            means[b] = sum / x.Length;
        }
        Array.Sort(means);
        return new Estimate(x.Length, mean, Percentile(means, 2.5), Percentile(means, 97.5));
    }

    /// <summary>NumPy's default ("linear") percentile of sorted values.</summary>
    public static double Percentile(double[] sorted, double percent)
    {
        double position = percent / 100 * (sorted.Length - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }
}
