using Glimpse.Core.Results;

namespace Glimpse.Explain;

/// <summary>
/// What an explainer computes, before it is dressed with tokens and text into an <see cref="ExplanationResult"/>.
/// Every vector is in the subject's order: image maps over V, the prompt map over P, weights over answer tokens.
/// </summary>
public sealed record Relevance
{
    public required double[] ImageMap { get; init; }
    /// <summary>S_P over the question's tokens, for methods that give one.</summary>
    public double[]? PromptMap { get; init; }
    /// <summary>Per answer token, the map over V (R_t[V] for GLIMPSE; row q_t for baselines).</summary>
    public required double[][] TokenImageMaps { get; init; }
    public required double[] VisualWeights { get; init; }
    public required double[] PromptWeights { get; init; }
    public required double[] JointRelevance { get; init; }
    /// <summary>p_t = softmax(logits at q_t)[y_t].</summary>
    public required double[] Probabilities { get; init; }
    public required IReadOnlyDictionary<string, string> Options { get; init; }
    public IReadOnlyList<string> Warnings { get; init; } = [];
    public double ForwardSeconds { get; init; }
    public double GradientSeconds { get; init; }
    /// <summary>The part of <see cref="GradientSeconds"/> the method spent on its own work inside the backwards (GLIMPSE:
    /// reducing each layer's gradient), as against the backwards themselves.</summary>
    public double ReductionSeconds { get; init; }

    /// <summary>Equal weights, for methods that average over answer tokens uniformly.</summary>
    public static double[] Uniform(int count) => Enumerable.Repeat(1.0 / count, count).ToArray();
}

/// <summary>An explanation method. Implementations are stateless apart from their options.</summary>
public interface IExplainer
{
    /// <summary>The method's name in results and on the command line (e.g. "glimpse", "rollout").</summary>
    string Method { get; }
    /// <summary>True when the method approximates GLIMPSE rather than computing it.</summary>
    bool Approximate { get; }
    Relevance Explain(ExplanationSubject subject, IProgress<double>? progress = null, CancellationToken cancellation = default);
}
