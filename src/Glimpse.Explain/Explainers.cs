using Glimpse.Core.Methods;
using Glimpse.Explain.Baselines;

namespace Glimpse.Explain;

/// <summary>The explainer of each method in <see cref="ExplainMethods"/>, the one list of methods and their names.</summary>
public static class Explainers
{
    /// <param name="method">A name from <see cref="ExplainMethods"/>.</param>
    /// <param name="settings">The options (<see cref="ExplainOptions"/>): GLIMPSE's (its fast mode is set by the method
    /// name), the baselines' chunking and the layer raw attention and Grad-CAM read.</param>
    /// <exception cref="ArgumentException">The method is not in <see cref="ExplainMethods"/>.</exception>
    public static IExplainer Create(string method, ExplainSettings? settings = null)
    {
        settings ??= ExplainSettings.Default;
        var glimpse = settings.Glimpse;
        return ExplainMethods.Get(method).Name switch
        {
            "glimpse" => new GlimpseExplainer(glimpse with { Fast = false }),
            "glimpse-fast" => new GlimpseExplainer(glimpse with { Fast = true }),
            "chefer" => new CheferExplainer(glimpse.ChunkSize, glimpse.MemoryBudgetBytes),
            "rollout" => new RolloutExplainer(),
            "raw-attention" => new RawAttentionExplainer(settings.Layer),
            "gradcam" => new AttentionGradCamExplainer(settings.Layer, chunkSize: glimpse.ChunkSize),
            "tam" => new TokenActivationMapExplainer(),
            var other => throw new InvalidOperationException($"Method '{other}' is in the method table but has no explainer."),
        };
    }
}
