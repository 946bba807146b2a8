namespace Glimpse.Core.Methods;

/// <summary>One explanation method, by the name the command line, manifests, audit suites and result.json use.</summary>
/// <param name="Name">The method's name, e.g. <c>glimpse</c>.</param>
/// <param name="Summary">One line for help texts and schemas.</param>
/// <param name="Approximate">True for a method that only approximates GLIMPSE; every output of it says "approximate".</param>
/// <param name="Family">What the method computes from, which decides the options it takes (<see cref="ExplainOption.Families"/>).</param>
public sealed record ExplainMethod(string Name, string Summary, bool Approximate, MethodFamily Family);

/// <summary>What a method computes from.</summary>
public enum MethodFamily
{
    /// <summary>Attention probabilities or hidden states of one forward pass.</summary>
    Attention,
    /// <summary>Also back-propagates the answer tokens, in chunks.</summary>
    Gradients,
    /// <summary>GLIMPSE itself.</summary>
    Glimpse,
}

/// <summary>
/// The one list of explanation methods. The CLI's <c>--method</c>/<c>--methods</c>, the manifest validator, the audit
/// suite reader, the JSON Schemas' enums (checked by tests) and the explainer factory all read it.
/// </summary>
public static class ExplainMethods
{
    public const string Default = "glimpse";

    public static IReadOnlyList<ExplainMethod> All { get; } =
    [
        new("glimpse", "GLIMPSE, exact: one backward pass per answer token (the method).", false, MethodFamily.Glimpse),
        new("glimpse-fast", "GLIMPSE's fast mode: one backward pass for the whole answer; approximate, and labelled so.", true, MethodFamily.Glimpse),
        new("chefer", "Chefer et al.'s gradient-weighted relevancy propagation (baseline).", false, MethodFamily.Gradients),
        new("rollout", "Attention rollout with the residual path (baseline).", false, MethodFamily.Attention),
        new("raw-attention", "Attention from the answer to the image in one layer, heads averaged (baseline).", false, MethodFamily.Attention),
        new("gradcam", "Grad-CAM on one layer's attention (baseline).", false, MethodFamily.Gradients),
        new("tam", "Token activation maps from the final hidden states (baseline).", false, MethodFamily.Attention),
    ];

    public static IReadOnlyList<string> Names { get; } = [.. All.Select(m => m.Name)];

    public static bool IsKnown(string? name) => name is not null && All.Any(m => m.Name == name);

    /// <exception cref="ArgumentException">No method has that name; the message lists the known ones.</exception>
    public static ExplainMethod Get(string name) =>
        All.FirstOrDefault(m => m.Name == name)
        ?? throw new ArgumentException($"Unknown method '{UserText.Shorten(name)}'. Known: {string.Join(", ", Names)}.", nameof(name));
}
