namespace Glimpse.Model.Configuration;

/// <summary>A Llama-style causal decoder (Llama, Qwen2, Qwen3): every value resolved, Hugging Face defaults filled in.</summary>
public sealed record TextDecoderConfig
{
    public required string ModelType { get; init; }
    public required int VocabSize { get; init; }
    public required int HiddenSize { get; init; }
    public required int IntermediateSize { get; init; }
    public required int NumLayers { get; init; }
    public required int NumHeads { get; init; }
    public required int NumKeyValueHeads { get; init; }
    public required int HeadDim { get; init; }
    public required double RmsNormEps { get; init; }
    public required double RopeTheta { get; init; }
    /// <summary>Qwen2-VL multimodal rotary: how many of the head_dim/2 frequencies follow the t, h and w positions.</summary>
    public int[]? MropeSection { get; init; }
    /// <summary>How the M-RoPE section's frequencies are laid out (interleaved in Qwen3-VL).</summary>
    public Modules.MropeLayout MropeLayout { get; init; } = Modules.MropeLayout.Split;
    /// <summary>RMSNorm over head_dim on every query and key head before the rotary (Qwen3's q_norm, k_norm).</summary>
    public bool QkNorm { get; init; }
    /// <summary>Bias on the q, k and v projections (always on for Qwen2; <c>attention_bias</c> for Llama).</summary>
    public required bool QkvBias { get; init; }
    public required bool OutputBias { get; init; }
    public required bool MlpBias { get; init; }
    public required string HiddenAct { get; init; }
    public required int MaxPositionEmbeddings { get; init; }
    public required bool TieWordEmbeddings { get; init; }
    public long? BosTokenId { get; init; }
    public long[] EosTokenIds { get; init; } = [];
}

/// <summary>What every supported vision-language checkpoint has in common.</summary>
public abstract record VisionLanguageConfig
{
    public required string ModelType { get; init; }
    public required string Directory { get; init; }
    public required TextDecoderConfig Text { get; init; }
    public required long ImageTokenId { get; init; }
    /// <summary>The patch size the image processor must cut tokens with.</summary>
    public abstract int VisionPatchSize { get; }
}

