using Glimpse.Model.Configuration;

namespace Glimpse.Model.Families.Qwen2VL;

public sealed record Qwen2VLConfig : QwenVLConfig
{
    public required Qwen2VisionConfig Vision { get; init; }
    public override int VisionPatchSize => Vision.PatchSize;
    public override int SpatialMergeSize => Vision.SpatialMergeSize;
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
