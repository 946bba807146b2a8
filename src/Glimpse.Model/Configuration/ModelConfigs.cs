namespace Glimpse.Model.Configuration;

/// <summary>A Llama-style causal decoder (Llama, Qwen2): every value resolved, Hugging Face defaults filled in.</summary>
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

/// <summary>The CLIP vision transformer of LLaVA.</summary>
public sealed record ClipVisionConfig
{
    public required int HiddenSize { get; init; }
    public required int IntermediateSize { get; init; }
    public required int NumLayers { get; init; }
    public required int NumHeads { get; init; }
    public required int ImageSize { get; init; }
    public required int PatchSize { get; init; }
    public required int NumChannels { get; init; }
    public required double LayerNormEps { get; init; }
    public required string HiddenAct { get; init; }
    public int PatchesPerSide => ImageSize / PatchSize;
}

/// <summary>The Qwen2-VL vision transformer (2-D rotary, 2×2 patch merger).</summary>
public sealed record Qwen2VisionConfig
{
    public required int Depth { get; init; }
    public required int EmbedDim { get; init; }
    public required int NumHeads { get; init; }
    public required double MlpRatio { get; init; }
    /// <summary>The merger's output width: the language model's hidden size.</summary>
    public required int OutputHiddenSize { get; init; }
    public required int PatchSize { get; init; }
    public required int TemporalPatchSize { get; init; }
    public required int SpatialMergeSize { get; init; }
    public required int InChannels { get; init; }
    public required string HiddenAct { get; init; }
    /// <summary>Fixed in the Hugging Face code, not read from the config.</summary>
    public double LayerNormEps => 1e-6;
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

public sealed record LlavaConfig : VisionLanguageConfig
{
    public required ClipVisionConfig Vision { get; init; }
    public required int ImageSeqLength { get; init; }
    /// <summary>Hidden-state indices of the vision tower whose features are concatenated (usually one, -2).</summary>
    public required int[] VisionFeatureLayers { get; init; }
    /// <summary>"default" drops the CLS row, "full" keeps it.</summary>
    public required string VisionFeatureSelectStrategy { get; init; }
    public required string ProjectorHiddenAct { get; init; }
    public required bool ProjectorBias { get; init; }
    public override int VisionPatchSize => Vision.PatchSize;
}

public sealed record Qwen2VLConfig : VisionLanguageConfig
{
    public required Qwen2VisionConfig Vision { get; init; }
    public required long VisionStartTokenId { get; init; }
    public required long VisionEndTokenId { get; init; }
    public override int VisionPatchSize => Vision.PatchSize;
}
