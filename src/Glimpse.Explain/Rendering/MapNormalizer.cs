namespace Glimpse.Explain.Rendering;

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
        var normalized = new double[values.Length];
        double[] sorted = SortedFinite(values);
        if (sorted.Length == 0 || sorted[0] == sorted[^1]) return normalized;

        if (mode == MapNormalization.Rank)
        {
            // Min-rank (ties share the lowest rank, so a map that is mostly zeros keeps its zeros at 0), divided by the
            // highest min-rank so the largest value is exactly 1 even when it is tied.
            double highestRank = LowerBound(sorted, sorted[^1]);
            for (int i = 0; i < values.Length; i++)
                if (double.IsFinite(values[i])) normalized[i] = LowerBound(sorted, values[i]) / highestRank;
            return normalized;
        }

        var (low, high) = Range(sorted, mode);
        for (int i = 0; i < values.Length; i++)
        {
            double v = values[i];
            if (!double.IsFinite(v)) continue;
            // low == high happens for percentiles when over 98% of the tokens are equal; the clipped linear map then
            // tends to a step, which is what this gives: the few tokens above that level are 1, the rest 0.
            normalized[i] = high > low ? Math.Clamp((v - low) / (high - low), 0, 1) : v > high ? 1 : 0;
        }
        return normalized;
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
