using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Explain.Baselines;

/// <summary>
/// Raw attention: one decoder layer's attention, averaged over heads, from each answer token's query row q_t to the
/// image tokens, averaged over the answer. The last layer by default (−1; option <c>layer</c>); with a reference map and
/// no layer, the layer whose map agrees with it best (an upper bound for the method, not a fair single number).
/// </summary>
public sealed class RawAttentionExplainer(int? layer = null, double[]? referenceMap = null) : IExplainer
{
    public string Method => "raw-attention";
    public bool Approximate => false;

    public Relevance Explain(ExplanationSubject subject, IProgress<double>? progress = null, CancellationToken cancellation = default)
    {
        subject.Validate();
        var clock = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        using var pass = AttentionOnlyPass.Run(subject);
        var q = torch.tensor(subject.QueryPositions);
        double[][] RowsOf(int l) => AttentionOnlyPass.RowsOnImage(pass.Attentions[l][0].mean([0]).index_select(0, q), subject);

        int layers = pass.Attentions.Count;
        int chosen = AttentionOnlyPass.ResolveLayer(layer, layers);
        string how = "last";
        if (referenceMap is not null && layer is null)
        {
            chosen = Enumerable.Range(0, layers).MaxBy(l => Pearson(Mean(RowsOf(l)), referenceMap));
            how = "best against the reference map";
        }
        var maps = RowsOf(chosen);
        progress?.Report(1);
        return AttentionOnlyPass.Uniform([$"layer={chosen}", $"layer_choice={how}", "heads=mean"], maps,
            AttentionOnlyPass.Probabilities(pass, subject), clock.Elapsed.TotalSeconds);
    }

    private static double[] Mean(double[][] maps) =>
        Enumerable.Range(0, maps[0].Length).Select(k => maps.Average(m => m[k])).ToArray();

    private static double Pearson(double[] a, double[] b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"The reference map has {b.Length} values for {a.Length} image tokens.");
        double ma = a.Average(), mb = b.Average();
        double cov = 0, va = 0, vb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            cov += (a[i] - ma) * (b[i] - mb);
            va += (a[i] - ma) * (a[i] - ma);
            vb += (b[i] - mb) * (b[i] - mb);
        }
        return va == 0 || vb == 0 ? 0 : cov / Math.Sqrt(va * vb);
    }
}
