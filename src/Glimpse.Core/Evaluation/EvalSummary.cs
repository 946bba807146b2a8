using Glimpse.Core.Methods;

namespace Glimpse.Core.Evaluation;

/// <summary>A curve averaged over items, on the nominal fractions j / Steps (items with different token counts K align by step).</summary>
public sealed record MeanCurve(double[] Fractions, double[] Scores);

/// <summary>One method's means, intervals and mean curves.</summary>
public sealed record MethodSummary(string Method, bool Approximate, IReadOnlyDictionary<string, Estimate> Metrics, MeanCurve? Deletion, MeanCurve? Insertion)
{
    /// <summary>Seconds per item the method took to explain (faithfulness not included).</summary>
    public Estimate? ExplainSeconds { get; init; }
}

/// <summary>
/// What another method (an ablation, a cheaper variant) costs and how far its map moves, against the first method on
/// the same items: the ratio of mean explain times (first ÷ other: above 1 the other is faster) and the Pearson
/// correlation of the two maps on the comparison grid, item by item (1: the same map up to scale).
/// </summary>
public sealed record AgreementWithFirst(double SpeedUp, Estimate MapCorrelation);

/// <summary>One metric's mean for one method over the items carrying one value of a tag (e.g. kind=describe).</summary>
public sealed record TagBreakdown(string Tag, string Value, int Items, IReadOnlyDictionary<string, IReadOnlyDictionary<string, Estimate>> ByMethod);

/// <summary>The first method minus another, item by item: the mean difference, its interval, and how often the first was strictly better.</summary>
public sealed record PairedDifference(Estimate Difference, double FirstBetterShare);

/// <summary>
/// The numbers summary.json and eval.html report: per method the mean and 95% bootstrap interval of every metric
/// (<see cref="EvalMetrics.All"/>) and the mean deletion and insertion curves; the random control; answer accuracy
/// (the answer does not depend on the method, so it is one number); and, for every other method, the item-paired
/// difference from the first method, which is what "the first method beats this one" rests on.
/// </summary>
public sealed record EvalSummary
{
    public required IReadOnlyList<MethodSummary> Methods { get; init; }
    /// <summary>The random ordering's areas and curves; null when faithfulness was not measured.</summary>
    public MethodSummary? RandomControl { get; init; }
    /// <summary>Exact-answer accuracy over items with an expected answer; null when none has one.</summary>
    public Estimate? Accuracy { get; init; }
    /// <summary>By other method, then by metric: first method − that method.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyDictionary<string, PairedDifference>> PairedWithFirst { get; init; }
    /// <summary>By other method: its cost and map against the first method's.</summary>
    public IReadOnlyDictionary<string, AgreementWithFirst> AgreementWithFirst { get; init; } = new Dictionary<string, AgreementWithFirst>();
    /// <summary>
    /// The headline metrics per value of each tag that splits the items into a few groups (at most
    /// <see cref="MaxTagValues"/> values, e.g. the question kind), so a method's standing can be read per kind of item.
    /// </summary>
    public IReadOnlyList<TagBreakdown> ByTag { get; init; } = [];

    public const int MaxTagValues = 12;

    /// <summary>The metrics the per-tag breakdown reports.</summary>
    public static IReadOnlyList<string> BreakdownMetrics { get; } = ["pointing_game", "mass_inside", "deletion_auc", "insertion_auc"];

    public static EvalSummary From(EvalRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        int seed = run.Options.Seed;
        var variants = run.Options.Variants;
        var labels = variants.Select(v => v.Label).ToList();
        var byMethod = labels.ToDictionary(m => m, m => run.Records.Where(r => r.Method == m).ToList());
        var methods = variants.Select(v => new MethodSummary(
            v.Label, v.Method.Approximate,
            EvalMetrics.All.ToDictionary(metric => metric.Name, metric => Bootstrap.Mean(byMethod[v.Label].Select(metric.Read), seed)),
            MeanOf(byMethod[v.Label].Select(r => r.Faithfulness?.Deletion)),
            MeanOf(byMethod[v.Label].Select(r => r.Faithfulness?.Insertion)))
        {
            ExplainSeconds = Bootstrap.Mean(byMethod[v.Label].Select(r => r.ExplainSeconds), seed),
        }).ToList();

        // The control and the answers belong to the item, not the method: read them once per item.
        var perItem = byMethod[labels[0]];
        MethodSummary? control = run.Options.Faithfulness is null
            ? null
            : new MethodSummary("random", false,
                EvalMetrics.RandomControl.ToDictionary(metric => metric.Name, metric => Bootstrap.Mean(perItem.Select(metric.Read), seed)),
                MeanOf(perItem.Select(r => r.RandomControl?.Deletion)),
                MeanOf(perItem.Select(r => r.RandomControl?.Insertion)));
        var answered = perItem.Where(r => r.Correct is not null).ToList();
        Estimate? accuracy = answered.Count == 0 ? null : Bootstrap.Mean(answered.Select(r => r.Correct == true ? 1.0 : 0.0), seed);

        var first = labels[0];
        var paired = labels.Skip(1).ToDictionary(other => other,
            other => (IReadOnlyDictionary<string, PairedDifference>)EvalMetrics.All.ToDictionary(metric => metric.Name,
                metric => Pair(byMethod[first], byMethod[other], metric, seed)));
        var agreement = labels.Skip(1).ToDictionary(other => other, other => Agreement(byMethod[first], byMethod[other], seed));
        return new EvalSummary
        {
            Methods = methods, RandomControl = control, Accuracy = accuracy, PairedWithFirst = paired, AgreementWithFirst = agreement,
            ByTag = Breakdown(run, labels, byMethod, seed),
        };
    }

    private static AgreementWithFirst Agreement(List<EvalRecord> first, List<EvalRecord> other, int seed)
    {
        double firstSeconds = first.Sum(r => r.ExplainSeconds), otherSeconds = other.Sum(r => r.ExplainSeconds);
        var correlations = first.Join(other, a => a.ItemId, b => b.ItemId, (a, b) => (A: a.GridMap, B: b.GridMap))
            .Where(p => p.A is not null && p.B is not null && p.A.Length == p.B.Length)
            .Select(p => SaliencyMetrics.Cc(p.A!, p.B!));
        return new AgreementWithFirst(otherSeconds > 0 ? firstSeconds / otherSeconds : double.NaN, Bootstrap.Mean(correlations, seed));
    }

    private static List<TagBreakdown> Breakdown(EvalRun run, List<string> labels, Dictionary<string, List<EvalRecord>> byMethod, int seed)
    {
        var metrics = EvalMetrics.All.Where(m => BreakdownMetrics.Contains(m.Name)).ToList();
        var perItem = byMethod[labels[0]];
        var breakdown = new List<TagBreakdown>();
        foreach (string tag in perItem.SelectMany(r => r.Tags.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var values = perItem.Select(r => r.Tags.GetValueOrDefault(tag)).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            if (values.Count is < 2 or > MaxTagValues) continue;   // one group says nothing new; many are ids, not groups
            foreach (string value in values)
            {
                bool Has(EvalRecord r) => r.Tags.TryGetValue(tag, out var v) && v == value;
                breakdown.Add(new TagBreakdown(tag, value, perItem.Count(Has), labels.ToDictionary(m => m,
                    m => (IReadOnlyDictionary<string, Estimate>)metrics.ToDictionary(metric => metric.Name,
                        metric => Bootstrap.Mean(byMethod[m].Where(Has).Select(metric.Read), seed)))));
            }
        }
        return breakdown;
    }

    private static PairedDifference Pair(List<EvalRecord> first, List<EvalRecord> other, EvalMetric metric, int seed)
    {
        var pairs = first.Join(other, a => a.ItemId, b => b.ItemId, (a, b) => (A: metric.Read(a), B: metric.Read(b)))
            .Where(p => double.IsFinite(p.A) && double.IsFinite(p.B)).ToList();
        double better = pairs.Count == 0
            ? double.NaN
            : pairs.Count(p => metric.HigherIsBetter ? p.A > p.B : p.A < p.B) / (double)pairs.Count;
        return new PairedDifference(Bootstrap.Mean(pairs.Select(p => p.A - p.B), seed), better);
    }

    private static MeanCurve? MeanOf(IEnumerable<PerturbationCurve?> curves)
    {
        var present = curves.OfType<PerturbationCurve>().ToList();
        if (present.Count == 0) return null;
        int points = present[0].Scores.Length;
        int steps = points - 1;
        var fractions = Enumerable.Range(0, points).Select(j => (double)j / steps).ToArray();
        var scores = Enumerable.Range(0, points).Select(j => present.Average(c => c.Scores[j])).ToArray();
        return new MeanCurve(fractions, scores);
    }
}
