using Glimpse.Core.Methods;

namespace Glimpse.Core.Rendering;

/// <summary>
/// Turns a raw map into colour positions in [0, 1] (GLIMPSE: min-max by default, percentile 1–99 and rank as options).
/// <para>
/// Every result is finite and in [0, 1]. A constant map is all 0: there is nothing to show, and 0 is the colour bar's
/// "low" end rather than an arbitrary middle. Non-finite inputs (NaN, ±∞) carry no information: they are left out of
/// the statistics and come out as 0.
/// </para>
/// </summary>
public static class MapNormalizer
{
    /// <summary>The percentiles <see cref="MapNormalization.Percentile"/> maps to 0 and 1.</summary>
    public const double LowPercentile = 1, HighPercentile = 99;

    public static double[] Normalize(double[] values, MapNormalization mode)
    {
        ArgumentNullException.ThrowIfNull(values);
        return values.Select(Fit(values, mode)).ToArray();
    }

    /// <summary>
    /// The normalisation <see cref="Normalize"/> applies to <paramref name="samples"/>, as a function that also places
    /// values between them (the pixels of a map interpolated between its tokens). Linear modes are clamped to [0, 1];
    /// for <see cref="MapNormalization.Rank"/> a value between two sample values gets the rank linearly between theirs.
    /// </summary>
    public static Func<double, double> Fit(double[] samples, MapNormalization mode)
    {
        ArgumentNullException.ThrowIfNull(samples);
        double[] sorted = SortedFinite(samples);
        if (sorted.Length == 0 || sorted[0] == sorted[^1]) return _ => 0;

        if (mode == MapNormalization.Rank)
        {
            // Min-rank (ties share the lowest rank, so a map that is mostly zeros keeps its zeros at 0), divided by the
            // highest min-rank so the largest value is exactly 1 even when it is tied.
            double[] levels = sorted.Distinct().ToArray();
            double highestRank = LowerBound(sorted, sorted[^1]);
            double[] ranks = levels.Select(v => LowerBound(sorted, v) / highestRank).ToArray();
            return v =>
            {
                if (!double.IsFinite(v) || v <= levels[0]) return 0;
                if (v >= levels[^1]) return 1;
                int above = LowerBound(levels, v);
                if (levels[above] == v) return ranks[above];
                double share = (v - levels[above - 1]) / (levels[above] - levels[above - 1]);
                return ranks[above - 1] + share * (ranks[above] - ranks[above - 1]);
            };
        }

        var (low, high) = Range(sorted, mode);
        // low == high happens for percentiles when over 98% of the tokens are equal; the clipped linear map then
        // tends to a step, which is what this gives: the few tokens above that level are 1, the rest 0.
        return v => !double.IsFinite(v) ? 0 : high > low ? Math.Clamp((v - low) / (high - low), 0, 1) : v > high ? 1 : 0;
    }

    /// <summary>
    /// The raw values a colour bar's two ends stand for: the minimum and maximum for <see cref="MapNormalization.MinMax"/>
    /// and <see cref="MapNormalization.Rank"/> (whose scale in between is not linear), the 1st and 99th percentiles for
    /// <see cref="MapNormalization.Percentile"/>. (0, 0) when the map has no finite value.
    /// </summary>
    public static (double Low, double High) ValueRange(double[] values, MapNormalization mode)
    {
        ArgumentNullException.ThrowIfNull(values);
        double[] sorted = SortedFinite(values);
        return sorted.Length == 0 ? (0, 0) : Range(sorted, mode);
    }

    private static (double Low, double High) Range(double[] sorted, MapNormalization mode) => mode switch
    {
        MapNormalization.MinMax or MapNormalization.Rank => (sorted[0], sorted[^1]),
        MapNormalization.Percentile => (Percentile(sorted, LowPercentile), Percentile(sorted, HighPercentile)),
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown normalisation"),
    };

    private static double[] SortedFinite(double[] values)
    {
        double[] sorted = values.Where(double.IsFinite).ToArray();
        Array.Sort(sorted);
        return sorted;
    }

    /// <summary>NumPy's default ("linear") percentile: interpolates between the order statistics around p/100 · (n − 1).</summary>
    private static double Percentile(double[] sorted, double percent)
    {
        double position = percent / 100 * (sorted.Length - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }

    /// <summary>How many entries of the sorted array are strictly below <paramref name="value"/>.</summary>
    private static int LowerBound(double[] sorted, double value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < value) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}
