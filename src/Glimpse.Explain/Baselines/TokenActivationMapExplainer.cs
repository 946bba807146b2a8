using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Explain.Baselines;

/// <summary>
/// A forward-only map in the spirit of Token Activation Maps (ICCV 2025): the final hidden state of each image token
/// projected on the LM-head row of each answer token, i.e. the logit that image token alone would give y_t; negative
/// evidence clipped to 0; averaged over the answer. No gradients.
/// </summary>
public sealed class TokenActivationMapExplainer : IExplainer
{
    public string Method => "tam";
    public bool Approximate => false;

    public Relevance Explain(ExplanationSubject subject, IProgress<double>? progress = null, CancellationToken cancellation = default)
    {
        subject.Validate();
        var clock = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        using var pass = AttentionOnlyPass.Run(subject, keepHiddenStates: true);
        var imageStates = pass.HiddenStates[^1][0].index_select(0, torch.tensor(subject.VisualPositions));   // [K, D]
        Tensor logits;
        using (torch.no_grad()) logits = subject.Model.Logits(imageStates);                                    // [K, vocab]
        var perToken = logits.index_select(1, torch.tensor(subject.AnswerIds)).T.clamp_min(0).to(float64);     // [T, K]
        var maps = Enumerable.Range(0, subject.AnswerLength).Select(t => perToken[t].data<double>().ToArray()).ToArray();
        progress?.Report(1);
        return AttentionOnlyPass.Uniform(["layer=final", "negative=clipped"], maps, AttentionOnlyPass.Probabilities(pass, subject), clock.Elapsed.TotalSeconds);
    }
}
