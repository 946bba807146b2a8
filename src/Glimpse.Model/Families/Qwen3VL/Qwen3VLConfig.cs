using Glimpse.Model.Families.Qwen2VL;

namespace Glimpse.Model.Families.Qwen3VL;

public sealed record Qwen3VLConfig : QwenVLConfig
{
    public required Qwen3VisionConfig Vision { get; init; }
    public override int VisionPatchSize => Vision.PatchSize;
    public override int SpatialMergeSize => Vision.SpatialMergeSize;
}

/// <summary>
/// The Qwen3-VL vision transformer: a patch embedding with bias, a learned position grid interpolated to each image,
/// Qwen2-VL's 2-D rotary, LayerNorm + GELU-MLP blocks attending per frame, a merger to <see cref="OutHiddenSize"/>,
/// and one DeepStack merger per entry of <see cref="DeepstackVisualIndexes"/>.
/// </summary>
public sealed record Qwen3VisionConfig
{
    public required int Depth { get; init; }
    public required int HiddenSize { get; init; }
    public required string HiddenAct { get; init; }
    /// <summary>The MLP width of each block.</summary>
    public required int IntermediateSize { get; init; }
    public required int NumHeads { get; init; }
    public required int InChannels { get; init; }
    public required int PatchSize { get; init; }
    public required int SpatialMergeSize { get; init; }
    public required int TemporalPatchSize { get; init; }
    /// <summary>The mergers' output width: the language model's hidden size.</summary>
    public required int OutHiddenSize { get; init; }
    /// <summary>Entries of the learned position grid (a square: side √n).</summary>
    public required int NumPositionEmbeddings { get; init; }
    /// <summary>The blocks whose outputs feed the DeepStack mergers; the k-th merger's feature is added after decoder layer k.</summary>
    public required int[] DeepstackVisualIndexes { get; init; }
    /// <summary>Fixed in the Hugging Face code, not read from the config.</summary>
    public double LayerNormEps => 1e-6;
}
