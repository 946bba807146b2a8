using Glimpse.Core.Images;
using Glimpse.Model.Configuration;
using Glimpse.Model.Families.Llava;

namespace Glimpse.Model.Families.LlavaNext;

public sealed record LlavaNextConfig : VisionLanguageConfig
{
    public required ClipVisionConfig Vision { get; init; }
    public required int ImageSeqLength { get; init; }
    /// <summary>Hidden-state indices of the vision tower whose features are concatenated (usually one, -2).</summary>
    public required int[] VisionFeatureLayers { get; init; }
    public required string ProjectorHiddenAct { get; init; }
    public required bool ProjectorBias { get; init; }
    /// <summary><c>image_grid_pinpoints</c>: the canvas sizes AnyRes may tile an image into (config lists them as [H, W]).</summary>
    public required PixelSize[] ImageGridPinpoints { get; init; }
    /// <summary>The text model's own model_type ("llama" for the vicuna variants, "mistral"): it picks the chat template.</summary>
    public required string TextModelType { get; init; }
    public override int VisionPatchSize => Vision.PatchSize;
    /// <summary>Patches per side of one CLIP input (tile or base image).</summary>
    public int PatchesPerSide => Vision.PatchesPerSide;
}
