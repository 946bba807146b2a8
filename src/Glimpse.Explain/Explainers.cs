using Glimpse.Core.Methods;
using Glimpse.Core.Results;
using Glimpse.Explain.Baselines;

namespace Glimpse.Explain;

/// <summary>The explanation methods by name, as the command line and job manifests spell them.</summary>
public static class Explainers
{
    public static IReadOnlyList<string> Methods { get; } = ["glimpse", "glimpse-fast", "chefer", "rollout", "raw-attention", "gradcam", "tam"];

    /// <param name="glimpse">GLIMPSE's options (its fast mode is set by the method name); also gives the baselines' chunking.</param>
    public static IExplainer Create(string method, GlimpseOptions? glimpse = null)
    {
        glimpse ??= new GlimpseOptions();
        return method switch
        {
            "glimpse" => new GlimpseExplainer(glimpse with { Fast = false }),
            "glimpse-fast" => new GlimpseExplainer(glimpse with { Fast = true }),
            "chefer" => new CheferExplainer(glimpse.ChunkSize, glimpse.MemoryBudgetBytes),
            "rollout" => new RolloutExplainer(),
            "raw-attention" => new RawAttentionExplainer(),
            "gradcam" => new AttentionGradCamExplainer(chunkSize: glimpse.ChunkSize),
            "tam" => new TokenActivationMapExplainer(),
            _ => throw new ArgumentException($"Unknown method '{method}'. Known: {string.Join(", ", Methods)}."),
        };
    }
}
