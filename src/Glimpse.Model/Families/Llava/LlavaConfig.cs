using Glimpse.Model.Configuration;

namespace Glimpse.Model.Families.Llava;

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
