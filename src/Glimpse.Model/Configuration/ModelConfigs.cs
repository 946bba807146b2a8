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

/// <summary>
/// The Qwen2.5-VL vision transformer: Qwen2-VL's patch rows and 2-D rotary, with RMSNorm + SwiGLU blocks, window
/// attention in all blocks but <see cref="FullAttentionBlocks"/>, and a merger to <see cref="OutHiddenSize"/>.
/// </summary>
public sealed record Qwen25VisionConfig
{
    public required int Depth { get; init; }
    /// <summary>The ViT width (unlike Qwen2-VL, where <c>hidden_size</c> is the merger's output).</summary>
    public required int HiddenSize { get; init; }
    /// <summary>The SwiGLU MLP width of each block.</summary>
    public required int IntermediateSize { get; init; }
    public required int NumHeads { get; init; }
    public required string HiddenAct { get; init; }
    public required int PatchSize { get; init; }
    public required int TemporalPatchSize { get; init; }
    public required int SpatialMergeSize { get; init; }
    public required int InChannels { get; init; }
    /// <summary>Window side in pixels of the resized image (112: 4×4 merge units of 28 px).</summary>
    public required int WindowSize { get; init; }
    /// <summary>The merger's output width: the language model's hidden size.</summary>
    public required int OutHiddenSize { get; init; }
    /// <summary>Blocks that attend over the whole image (per temporal slice); every other block attends within windows.</summary>
    public required int[] FullAttentionBlocks { get; init; }
    /// <summary>Video only (temporal positions); read for completeness, unused for still images.</summary>
    public required double TokensPerSecond { get; init; }
    /// <summary>Fixed in the Hugging Face code, not read from the config.</summary>
    public double RmsNormEps => 1e-6;
    /// <summary>Window side in merge units (window_size // merge // patch).</summary>
    public int WindowUnits => WindowSize / SpatialMergeSize / PatchSize;
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

public sealed record Qwen25VLConfig : VisionLanguageConfig
{
    public required Qwen25VisionConfig Vision { get; init; }
    public required long VisionStartTokenId { get; init; }
    public required long VisionEndTokenId { get; init; }
    /// <summary>The video placeholder; a video block in a prompt is refused (still images only).</summary>
    public required long VideoTokenId { get; init; }
    public override int VisionPatchSize => Vision.PatchSize;
}
