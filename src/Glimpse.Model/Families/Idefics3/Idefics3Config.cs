using Glimpse.Model.Configuration;

namespace Glimpse.Model.Families.Idefics3;

public sealed record Idefics3Config : VisionLanguageConfig
{
    public required Idefics3VisionConfig Vision { get; init; }
    /// <summary>The connector's pixel shuffle: scale_factor × scale_factor patches become one token.</summary>
    public required int ScaleFactor { get; init; }
    public override int VisionPatchSize => Vision.PatchSize;
    /// <summary>The side, in frame pixels, of the square one image token covers.</summary>
    public int TokenCellSize => Vision.PatchSize * ScaleFactor;
}

/// <summary>The SigLIP-style vision transformer of Idefics3 (<c>idefics3_vision</c>).</summary>
public sealed record Idefics3VisionConfig
{
    public required int HiddenSize { get; init; }
    public required int IntermediateSize { get; init; }
    public required int NumLayers { get; init; }
    public required int NumHeads { get; init; }
    public required int NumChannels { get; init; }
    /// <summary>Sets only the size of the position table ((image_size / patch)² rows); frames are max_image_size.</summary>
    public required int ImageSize { get; init; }
    public required int PatchSize { get; init; }
    public required string HiddenAct { get; init; }
    public required double LayerNormEps { get; init; }
    public int PositionsPerSide => ImageSize / PatchSize;
}
