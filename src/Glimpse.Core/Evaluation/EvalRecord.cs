namespace Glimpse.Core.Evaluation;

/// <summary>How well one map agrees with one reference, on the comparison grid (see <see cref="SaliencyMetrics"/>).</summary>
public sealed record AlignmentScores(double Nss, double Cc, double Kld, double Sim, double AucJudd, double Spearman, double PointingGame, double MassInside)
{
    public static AlignmentScores Compute(double[] map, double[] reference, ReferenceKind kind) => new(
        SaliencyMetrics.Nss(map, reference),
        SaliencyMetrics.Cc(map, reference),
        SaliencyMetrics.Kld(map, reference),
        SaliencyMetrics.Sim(map, reference),
        SaliencyMetrics.AucJudd(map, reference),
        SaliencyMetrics.Spearman(map, reference),
        SaliencyMetrics.PointingGame(map, reference),
        SaliencyMetrics.MassInside(map, reference, kind));
}

/// <summary>One item explained by one method: the answer, the alignment with the reference, the faithfulness curves.</summary>
public sealed record EvalRecord
{
    public required string ItemId { get; init; }
    public required string Method { get; init; }
    public required string Question { get; init; }
    public string? ExpectedAnswer { get; init; }
    public required string Answer { get; init; }
    /// <summary>Whether the answer matches the expected one (<see cref="AnswerMatching"/>); null when none is expected.</summary>
    public bool? Correct { get; init; }
    /// <summary>Generated tokens, the end-of-sequence token included when there is one.</summary>
    public required int AnswerTokens { get; init; }
    public ReferenceKind? ReferenceKind { get; init; }
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
    /// <summary>Null when the item has no reference.</summary>
    public AlignmentScores? Alignment { get; init; }
    /// <summary>The method's map on the comparison grid, row-major: what the alignment scores read, and what the summary
    /// compares with the first method's map of the same item (not written to eval.csv).</summary>
    public double[]? GridMap { get; init; }
    /// <summary>Null when faithfulness was not measured.</summary>
    public FaithfulnessCurves? Faithfulness { get; init; }
    /// <summary>The item's random-ordering control (the same for every method of the item).</summary>
    public FaithfulnessCurves? RandomControl { get; init; }
    public double ExplainSeconds { get; init; }
    public double FaithfulnessSeconds { get; init; }
}

/// <summary>A per-record number the outputs report: its column name, label, direction and how to read it (NaN when missing).</summary>
public sealed record EvalMetric(string Name, string Label, bool HigherIsBetter, Func<EvalRecord, double> Read);

/// <summary>Every metric of an evaluation, in the order the outputs list them.</summary>
public static class EvalMetrics
{
    public static IReadOnlyList<EvalMetric> All { get; } =
    [
        new("pointing_game", "Pointing game", true, r => r.Alignment?.PointingGame ?? double.NaN),
        new("deletion_auc", "Deletion AUC", false, r => r.Faithfulness?.Deletion.Area ?? double.NaN),
        new("insertion_auc", "Insertion AUC", true, r => r.Faithfulness?.Insertion.Area ?? double.NaN),
        new("mass_inside", "Relevance mass inside", true, r => r.Alignment?.MassInside ?? double.NaN),
        new("nss", "NSS", true, r => r.Alignment?.Nss ?? double.NaN),
        new("cc", "CC", true, r => r.Alignment?.Cc ?? double.NaN),
        new("kld", "KLD", false, r => r.Alignment?.Kld ?? double.NaN),
        new("sim", "SIM", true, r => r.Alignment?.Sim ?? double.NaN),
        new("auc_judd", "AUC-Judd", true, r => r.Alignment?.AucJudd ?? double.NaN),
        new("spearman", "Spearman ρ", true, r => r.Alignment?.Spearman ?? double.NaN),
    ];

    /// <summary>The random control's areas, reported beside each method's.</summary>
    public static IReadOnlyList<EvalMetric> RandomControl { get; } =
    [
        new("random_deletion_auc", "Deletion AUC, random order", false, r => r.RandomControl?.Deletion.Area ?? double.NaN),
        new("random_insertion_auc", "Insertion AUC, random order", true, r => r.RandomControl?.Insertion.Area ?? double.NaN),
    ];
}
