using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Explain.Baselines;

/// <summary>
/// Attention rollout (Abnar &amp; Zuidema 2020): Ā_l = ½ mean_h A_l + ½ I, R = Ā_(L−1) ⋯ Ā_0, read at rows q_t. Only the
/// rows are needed, so a row vector is pushed through the layers (deepest first) instead of multiplying N×N matrices.
/// </summary>
public sealed class RolloutExplainer : IExplainer
{
    public string Method => "rollout";
    public bool Approximate => false;

    public Relevance Explain(ExplanationSubject subject, IProgress<double>? progress = null, CancellationToken cancellation = default)
    {
        subject.Validate();
        var clock = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        using var pass = AttentionOnlyPass.Run(subject);
        int t = subject.AnswerLength;
        long n = subject.SequenceIds.Length;
        var rows = torch.zeros(t, n, dtype: pass.Attentions[0].dtype);
        rows.index_put_(torch.ones(t, dtype: rows.dtype), [torch.arange(t), torch.tensor(subject.QueryPositions)]);
        for (int l = pass.Attentions.Count - 1; l >= 0; l--)
            rows = 0.5 * rows + 0.5 * rows.matmul(pass.Attentions[l][0].mean([0]));
        progress?.Report(1);
        return AttentionOnlyPass.Uniform(["residual=0.5", "heads=mean"], AttentionOnlyPass.RowsOnImage(rows, subject),
            AttentionOnlyPass.Probabilities(pass, subject), clock.Elapsed.TotalSeconds);
    }
}
