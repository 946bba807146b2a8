namespace Glimpse.Core.Methods;

/// <summary>
/// How a model's numbers are stored and multiplied. Explanations read the decoder's attention probabilities and their
/// gradients; in every precision those stay float32, because bfloat16's 8-bit mantissa puts visible rounding noise into
/// the maps (docs/mixed-precision.md measures how far a mixed-precision map is from the float32 one).
/// </summary>
public enum ModelPrecision
{
    /// <summary>Weights, activations and everything an explainer reads in float32 (the default).</summary>
    Float32,
    /// <summary>Weights stored and multiplied in bfloat16 (half the memory, and faster on CPUs with AVX512-BF16); RMS
    /// norms, softmax, the attention probabilities kept for explanations, their gradients, the logits and every
    /// explainer's algebra in float32.</summary>
    BFloat16Mixed,
}

/// <summary>The precisions by the names the command line, the job manifest and result.json use.</summary>
public static class ModelPrecisions
{
    public const string Float32Name = "float32";
    public const string BFloat16MixedName = "bfloat16-mixed";

    /// <summary>Every name a user may give, default first.</summary>
    public static IReadOnlyList<string> Names { get; } = [Float32Name, BFloat16MixedName];

    public static string Name(this ModelPrecision precision) => precision switch
    {
        ModelPrecision.Float32 => Float32Name,
        ModelPrecision.BFloat16Mixed => BFloat16MixedName,
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, null),
    };

    /// <exception cref="ArgumentException">Not one of <see cref="Names"/>.</exception>
    public static ModelPrecision Parse(string name) => TryParse(name, out var precision)
        ? precision
        : throw new ArgumentException($"precision '{name}' is not one of {string.Join(", ", Names)}", nameof(name));

    public static bool TryParse(string? name, out ModelPrecision precision)
    {
        (bool known, precision) = name switch
        {
            Float32Name => (true, ModelPrecision.Float32),
            BFloat16MixedName => (true, ModelPrecision.BFloat16Mixed),
            _ => (false, ModelPrecision.Float32),
        };
        return known;
    }
}
