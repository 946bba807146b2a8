using Glimpse.Model.Families.Llava;
using Glimpse.Model.Architectures;
using Glimpse.Model.Configuration;
using TorchSharp;

namespace Glimpse.Model;

/// <summary>The size of a randomly initialised LLaVA-layout model, for benchmarks.</summary>
public sealed record SyntheticShape
{
    public int Layers { get; init; } = 12;
    public int Hidden { get; init; } = 768;
    public int Heads { get; init; } = 12;
    public int KeyValueHeads { get; init; } = 12;
    public int Intermediate { get; init; } = 3072;
    public int Vocab { get; init; } = 32000;
    /// <summary>Image tokens = (image/patch)²; 576 is LLaVA-1.5's 24×24.</summary>
    public int ImageTokensPerSide { get; init; } = 24;
    public int VisionLayers { get; init; } = 4;
    public int VisionHidden { get; init; } = 256;
}

/// <summary>Random-weight models with the exact code path of a loaded checkpoint, for measuring speed and memory.</summary>
public static class SyntheticModel
{
    public const int PatchSize = 14;

    public static LlavaConfig LlavaConfig(SyntheticShape s) => new()
    {
        ModelType = "llava",
        Directory = "(synthetic)",
        ImageTokenId = s.Vocab - 1,
        ImageSeqLength = s.ImageTokensPerSide * s.ImageTokensPerSide,
        VisionFeatureLayers = [-2],
        VisionFeatureSelectStrategy = "default",
        ProjectorHiddenAct = "gelu",
        ProjectorBias = true,
        Vision = new ClipVisionConfig
        {
            HiddenSize = s.VisionHidden, IntermediateSize = 4 * s.VisionHidden, NumLayers = s.VisionLayers,
            NumHeads = Math.Max(1, s.VisionHidden / 64), ImageSize = s.ImageTokensPerSide * PatchSize, PatchSize = PatchSize,
            NumChannels = 3, LayerNormEps = 1e-5, HiddenAct = "quick_gelu",
        },
        Text = new TextDecoderConfig
        {
            ModelType = "llama", VocabSize = s.Vocab, HiddenSize = s.Hidden, IntermediateSize = s.Intermediate,
            NumLayers = s.Layers, NumHeads = s.Heads, NumKeyValueHeads = s.KeyValueHeads, HeadDim = s.Hidden / s.Heads,
            RmsNormEps = 1e-6, RopeTheta = 10000, QkvBias = false, OutputBias = false, MlpBias = false, HiddenAct = "silu",
            MaxPositionEmbeddings = 8192, TieWordEmbeddings = false, BosTokenId = 1, EosTokenIds = [2],
        },
    };

    public static LlavaModel Llava(SyntheticShape shape, int seed = 0)
    {
        torch.manual_seed(seed);
        var model = new LlavaModel(LlavaConfig(shape));
        model.eval();
        foreach (var p in model.parameters()) p.requires_grad = false;
        return model;
    }
}
