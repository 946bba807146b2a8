namespace Glimpse.Core.Evaluation;

/// <summary>
/// Agreement between an explanation map and a reference (an object mask or a human attention map), both given as
/// values over the same cells (the 14 × 14 comparison grid, see <see cref="ComparisonGrid"/>), row-major.
/// <para>
/// The definitions are the MIT saliency benchmark's as the MIT/Tübingen benchmark computes them today (pysaliency,
/// <c>pysaliency/metrics.py</c>), with the MIT Matlab code (<c>cvzoya/saliency/code_forMetrics</c>) where pysaliency
/// has no counterpart. Where a reference is graded rather than a set of fixations, the metrics that need fixation
/// locations read it as follows (the MIT code takes a binary fixation map):
/// <list type="bullet">
/// <item>CC, KLD, SIM and Spearman ρ compare the map with the reference values as they are (for a mask, each cell's
/// covered fraction).</item>
/// <item>NSS weighs each cell's normalised saliency by the reference value: it is the MIT NSS when the reference is
/// binary, and its expectation when fixations are drawn from the reference when it is graded.</item>
/// <item>AUC-Judd, the pointing game and (for graded maps) the relevance mass use the reference's
/// <see cref="PositiveCells">positive cells</see>: those reaching at least half the reference's maximum. A mask
/// averaged onto the grid gives each cell its covered fraction, so a cell is positive when at least half of it is
/// inside the object (or, for an object smaller than half a cell, when it holds at least half of the best-covered
/// cell's share).</item>
/// </list>
/// Degenerate inputs give defined values instead of NaN: a constant map has CC and Spearman ρ 0 (no linear or monotone
/// relation can be read from it; pysaliency gives NaN when both maps are constant) and NSS 0; an all-zero map is a
/// uniform distribution for KLD and SIM (as pysaliency does). A reference with no positive cell (all zero) gives NaN for
/// AUC-Judd, NSS, the pointing game and the relevance mass: there is nothing to find, and the item is left out of
/// those means.
/// </para>
/// </summary>
public static class SaliencyMetrics
{
    /// <summary>The regulariser of KL divergence, Matlab's <c>eps</c> as the MIT benchmark uses it.</summary>
    public const double KldEpsilon = 2.2204e-16;

    /// <summary>
    /// Normalised scanpath saliency: the map standardised to mean 0 and standard deviation 1 (population standard
    /// deviation, as pysaliency; the MIT Matlab code uses the sample one, larger by √(n/(n−1))), averaged over the
    /// reference weighted by its values: Σ r_i z_i / Σ r_i. NaN when the reference is all zero.
    /// </summary>
    public static double Nss(double[] map, double[] reference)
    {
        RequireSameLength(map, reference);
        double weight = reference.Sum();
        if (!(weight > 0)) return double.NaN;
        double mean = map.Average();
        double std = PopulationStd(map, mean);
        double sum = 0;
        for (int i = 0; i < map.Length; i++)
        {
            // pysaliency leaves a constant map unscaled, which makes every z 0.
            double z = std > 0 ? (map[i] - mean) / std : map[i] - mean;
            sum += reference[i] * z;
        }
        return sum / weight;
    }

    /// <summary>Pearson's linear correlation coefficient; 0 when either map is constant.</summary>
    public static double Cc(double[] map, double[] reference)
    {
        RequireSameLength(map, reference);
        double meanA = map.Average(), meanB = reference.Average();
        double covariance = 0, varianceA = 0, varianceB = 0;
        for (int i = 0; i < map.Length; i++)
        {
            double a = map[i] - meanA, b = reference[i] - meanB;
            covariance += a * b;
            varianceA += a * a;
            varianceB += b * b;
        }
        return varianceA > 0 && varianceB > 0 ? covariance / Math.Sqrt(varianceA * varianceB) : 0;
    }

    /// <summary>
    /// KL divergence of the reference from the map (the MIT benchmark's KLdiv, pysaliency's MIT_KLDiv): both made
    /// distributions (<see cref="ToDistribution"/>), then Σ r_i · log(ε + r_i / (ε + m_i)) with ε =
    /// <see cref="KldEpsilon"/>. 0 for identical maps; lower is better.
    /// </summary>
    public static double Kld(double[] map, double[] reference)
    {
        RequireSameLength(map, reference);
        double[] m = ToDistribution(map), r = ToDistribution(reference);
        double sum = 0;
        for (int i = 0; i < m.Length; i++) sum += r[i] * Math.Log(KldEpsilon + r[i] / (KldEpsilon + m[i]));
        return sum;
    }

    /// <summary>
    /// Similarity (histogram intersection): Σ min(m_i, r_i) of the two maps made distributions. 1 for identical maps,
    /// 0 for disjoint ones. As pysaliency; the MIT Matlab code first rescales each map to [0, 1] (min to 0), which
    /// differs for maps whose minimum is above 0.
    /// </summary>
    public static double Sim(double[] map, double[] reference)
    {
        RequireSameLength(map, reference);
        double[] m = ToDistribution(map), r = ToDistribution(reference);
        double sum = 0;
        for (int i = 0; i < m.Length; i++) sum += Math.Min(m[i], r[i]);
        return sum;
    }

    /// <summary>
    /// AUC-Judd (MIT benchmark <c>AUC_Judd.m</c>): the reference's positive cells are the fixations; thresholds are the
    /// map's values at the fixations, from high to low; at each, TPR = fixations at or above it / fixations and FPR =
    /// other cells at or above it / other cells; the curve starts at (0, 0), ends at (1, 1), and its area is taken by
    /// the trapezoid rule. The MIT code adds tiny random noise to break ties; here each distinct threshold is taken once
    /// (a tied group enters together), which is the same curve when there are no ties and needs no randomness.
    /// NaN when the reference has no positive cell; 1 when every cell is positive (no false positive can occur).
    /// </summary>
    public static double AucJudd(double[] map, double[] reference)
    {
        RequireSameLength(map, reference);
        bool[] positive = PositiveCells(reference);
        int fixations = positive.Count(p => p);
        if (fixations == 0) return double.NaN;
        int others = map.Length - fixations;
        if (others == 0) return 1;

        double[] thresholds = map.Where((_, i) => positive[i]).Distinct().OrderByDescending(v => v).ToArray();
        double area = 0, lastTpr = 0, lastFpr = 0;
        foreach (double threshold in thresholds)
        {
            int truePositives = 0, falsePositives = 0;
            for (int i = 0; i < map.Length; i++)
            {
                if (map[i] < threshold) continue;
                if (positive[i]) truePositives++;
                else falsePositives++;
            }
            double tpr = (double)truePositives / fixations, fpr = (double)falsePositives / others;
            area += (fpr - lastFpr) * (tpr + lastTpr) / 2;
            (lastTpr, lastFpr) = (tpr, fpr);
        }
        return area + (1 - lastFpr) * (1 + lastTpr) / 2;
    }

    /// <summary>Spearman's rank correlation: Pearson's correlation of the ranks, tied values sharing their average rank.</summary>
    public static double Spearman(double[] map, double[] reference)
    {
        RequireSameLength(map, reference);
        return Cc(AverageRanks(map), AverageRanks(reference));
    }

    /// <summary>
    /// The pointing game: 1 when the map's maximum lies on a positive cell of the reference, else 0. When several cells
    /// share the maximum, the fraction of them that are positive (the expected hit if one were picked at random), so a
    /// constant map scores the chance rate, not a free hit. NaN when the reference has no positive cell.
    /// </summary>
    public static double PointingGame(double[] map, double[] reference)
    {
        RequireSameLength(map, reference);
        bool[] positive = PositiveCells(reference);
        if (!positive.Any(p => p)) return double.NaN;
        double max = map.Max();
        int top = 0, hits = 0;
        for (int i = 0; i < map.Length; i++)
        {
            if (map[i] != max) continue;
            top++;
            if (positive[i]) hits++;
        }
        return (double)hits / top;
    }

    /// <summary>
    /// The share of the map's relevance that falls inside the reference: Σ m_i w_i / Σ m_i, where w is the mask's
    /// covered fraction per cell for a mask (the map's mass inside the object when the map is even across a cell) and
    /// the <see cref="PositiveCells">positive cells</see> (1 or 0) for a graded map. Negative map values are clipped to
    /// 0 first (every built-in method's map is non-negative). NaN when the map is all zero or the reference has nothing
    /// inside.
    /// </summary>
    public static double MassInside(double[] map, double[] reference, ReferenceKind kind)
    {
        RequireSameLength(map, reference);
        double[] inside = kind == ReferenceKind.Mask
            ? reference.Select(r => Math.Clamp(r, 0, 1)).ToArray()
            : PositiveCells(reference).Select(p => p ? 1.0 : 0.0).ToArray();
        if (!inside.Any(w => w > 0)) return double.NaN;
        double total = 0, within = 0;
        for (int i = 0; i < map.Length; i++)
        {
            double m = Math.Max(0, map[i]);
            total += m;
            within += m * inside[i];
        }
        return total > 0 ? within / total : double.NaN;
    }

    /// <summary>
    /// The reference's positive cells: those whose value is at least half the reference's maximum (none when the
    /// maximum is not above 0).
    /// </summary>
    public static bool[] PositiveCells(double[] reference)
    {
        double max = reference.Length == 0 ? 0 : reference.Max();
        return reference.Select(r => max > 0 && r >= max / 2).ToArray();
    }

    /// <summary>
    /// A map as a probability distribution, as pysaliency's convert_saliency_map_to_density: shifted up by its minimum
    /// when that is negative, divided by its sum; a map that sums to 0 becomes uniform.
    /// </summary>
    public static double[] ToDistribution(double[] map)
    {
        double min = map.Min();
        double[] shifted = min < 0 ? map.Select(v => v - min).ToArray() : (double[])map.Clone();
        double sum = shifted.Sum();
        return sum > 0 ? shifted.Select(v => v / sum).ToArray() : shifted.Select(_ => 1.0 / shifted.Length).ToArray();
    }

    /// <summary>Ranks from 1, tied values sharing the average of the ranks they span.</summary>
    public static double[] AverageRanks(double[] values)
    {
        int[] order = Enumerable.Range(0, values.Length).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Length];
        for (int start = 0; start < order.Length;)
        {
            int end = start;
            while (end + 1 < order.Length && values[order[end + 1]] == values[order[start]]) end++;
            double rank = (start + end) / 2.0 + 1;
            for (int k = start; k <= end; k++) ranks[order[k]] = rank;
            start = end + 1;
        }
        return ranks;
    }

    private static double PopulationStd(double[] values, double mean) =>
        Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Length);

    private static void RequireSameLength(double[] map, double[] reference)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(reference);
        if (map.Length == 0 || map.Length != reference.Length)
            throw new ArgumentException($"the map has {map.Length} cells and the reference {reference.Length}; both need the same, non-zero number");
        if (map.Any(v => !double.IsFinite(v)) || reference.Any(v => !double.IsFinite(v)))
            throw new ArgumentException("maps must hold finite values");
    }
}
