using Glimpse.Model.Families.Qwen2VL;

namespace Glimpse.Model.Families.Qwen25VL;

public sealed record Qwen25VLConfig : QwenVLConfig
{
    public required Qwen25VisionConfig Vision { get; init; }
    public override int VisionPatchSize => Vision.PatchSize;
    public override int SpatialMergeSize => Vision.SpatialMergeSize;
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
