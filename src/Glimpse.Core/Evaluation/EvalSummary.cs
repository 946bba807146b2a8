using Glimpse.Core.Methods;

namespace Glimpse.Core.Evaluation;

/// <summary>A curve averaged over items, on the nominal fractions j / Steps (items with different token counts K align by step).</summary>
public sealed record MeanCurve(double[] Fractions, double[] Scores);

/// <summary>One method's means, intervals and mean curves.</summary>
public sealed record MethodSummary(string Method, bool Approximate, IReadOnlyDictionary<string, Estimate> Metrics, MeanCurve? Deletion, MeanCurve? Insertion);

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

    public static EvalSummary From(EvalRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        int seed = run.Options.Seed;
        var byMethod = run.Options.Methods.ToDictionary(m => m, m => run.Records.Where(r => r.Method == m).ToList());
        var methods = run.Options.Methods.Select(m => new MethodSummary(
            m, ExplainMethods.Get(m).Approximate,
            EvalMetrics.All.ToDictionary(metric => metric.Name, metric => Bootstrap.Mean(byMethod[m].Select(metric.Read), seed)),
            MeanOf(byMethod[m].Select(r => r.Faithfulness?.Deletion)),
            MeanOf(byMethod[m].Select(r => r.Faithfulness?.Insertion)))).ToList();

        // The control and the answers belong to the item, not the method: read them once per item.
        var perItem = byMethod[run.Options.Methods[0]];
        MethodSummary? control = run.Options.Faithfulness is null
            ? null
            : new MethodSummary("random", false,
                EvalMetrics.RandomControl.ToDictionary(metric => metric.Name, metric => Bootstrap.Mean(perItem.Select(metric.Read), seed)),
                MeanOf(perItem.Select(r => r.RandomControl?.Deletion)),
                MeanOf(perItem.Select(r => r.RandomControl?.Insertion)));
        var answered = perItem.Where(r => r.Correct is not null).ToList();
        Estimate? accuracy = answered.Count == 0 ? null : Bootstrap.Mean(answered.Select(r => r.Correct == true ? 1.0 : 0.0), seed);

        var first = run.Options.Methods[0];
        var paired = run.Options.Methods.Skip(1).ToDictionary(other => other,
            other => (IReadOnlyDictionary<string, PairedDifference>)EvalMetrics.All.ToDictionary(metric => metric.Name,
                metric => Pair(byMethod[first], byMethod[other], metric, seed)));
        return new EvalSummary { Methods = methods, RandomControl = control, Accuracy = accuracy, PairedWithFirst = paired };
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
