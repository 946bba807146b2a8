using Glimpse.Core.Images;
using Glimpse.Model.Configuration;
using Glimpse.Model.Families.Idefics3;
using Glimpse.Model.Families.Llava;
using Glimpse.Model.Families.LlavaNext;
using Glimpse.Model.Families.Qwen25VL;
using Glimpse.Model.Families.Qwen3VL;
using TorchSharp;

namespace Glimpse.Model;

/// <summary>The size of a randomly initialised model (LLaVA, Qwen2.5-VL or Qwen3-VL layout), for benchmarks.</summary>
public sealed record SyntheticShape
{
    public int Layers { get; init; } = 12;
    public int Hidden { get; init; } = 768;
    public int Heads { get; init; } = 12;
    public int KeyValueHeads { get; init; } = 12;
    public int Intermediate { get; init; } = 3072;
    public int Vocab { get; init; } = 32000;
    /// <summary>Image tokens = side²: LLaVA (image/patch)², 576 for LLaVA-1.5's 24×24; Qwen2.5-VL the merged grid side.</summary>
    public int ImageTokensPerSide { get; init; } = 24;
    public int VisionLayers { get; init; } = 4;
    public int VisionHidden { get; init; } = 256;
    /// <summary>LLaVA-NeXT only: the original image's width and height in tiles (2×2: four tiles; 2×0.6: a wide strip
    /// on two tiles that unpadding trims); it sets the tiling and the image-token count.</summary>
    public (double Width, double Height) OriginalInTiles { get; init; } = (2, 2);
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

    /// <summary>
    /// A Qwen2.5-VL layout: a window-attention ViT (window 112 px, full attention in every eighth block and the last,
    /// so depth 32 gives Hugging Face's [7, 15, 23, 31]) and a Qwen2 decoder with M-RoPE split as [1/4, 3/8, 3/8] of
    /// head_dim/2. Special ids sit at the top of the vocabulary: vision_start V−5, vision_end V−4, video V−3, image V−1.
    /// </summary>
    public static Qwen25VLConfig Qwen25VLConfig(SyntheticShape s)
    {
        int headDim = s.Hidden / s.Heads, half = headDim / 2;
        int t = half / 4, h = (half - t) / 2;
        return new()
        {
            ModelType = "qwen2_5_vl",
            Directory = "(synthetic)",
            ImageTokenId = s.Vocab - 1,
            VisionStartTokenId = s.Vocab - 5,
            VisionEndTokenId = s.Vocab - 4,
            VideoTokenId = s.Vocab - 3,
            Vision = new Qwen25VisionConfig
            {
                Depth = s.VisionLayers, HiddenSize = s.VisionHidden, IntermediateSize = s.VisionHidden * 8 / 3,
                NumHeads = Math.Max(1, s.VisionHidden / 64), HiddenAct = "silu", PatchSize = PatchSize, TemporalPatchSize = 2,
                SpatialMergeSize = 2, InChannels = 3, WindowSize = 112, OutHiddenSize = s.Hidden,
                FullAttentionBlocks = Enumerable.Range(0, s.VisionLayers).Where(i => i % 8 == 7 || i == s.VisionLayers - 1).ToArray(),
                TokensPerSecond = 2,
            },
            Text = new TextDecoderConfig
            {
                ModelType = "qwen2", VocabSize = s.Vocab, HiddenSize = s.Hidden, IntermediateSize = s.Intermediate,
                NumLayers = s.Layers, NumHeads = s.Heads, NumKeyValueHeads = s.KeyValueHeads, HeadDim = headDim,
                RmsNormEps = 1e-6, RopeTheta = 1_000_000, MropeSection = [t, h, half - t - h], QkvBias = true, OutputBias = false,
                MlpBias = false, HiddenAct = "silu", MaxPositionEmbeddings = 32768, TieWordEmbeddings = false, BosTokenId = null, EosTokenIds = [2],
            },
        };
    }

    public static Qwen25VLModel Qwen25VL(SyntheticShape shape, int seed = 0)
    {
        torch.manual_seed(seed);
        var model = new Qwen25VLModel(Qwen25VLConfig(shape));
        model.eval();
        foreach (var p in model.parameters()) p.requires_grad = false;
        return model;
    }

    /// <summary>The patch side of the Qwen3-VL layout (Qwen3-VL's 16, where the other layouts use 14).</summary>
    public const int Qwen3PatchSize = 16;

    /// <summary>
    /// A Qwen3-VL layout: a ViT with a learned 48×48 position grid (Hugging Face's 2304 entries), LayerNorm/GELU blocks
    /// attending over the whole image, DeepStack features from blocks at a quarter, half and three quarters of the depth
    /// added after decoder layers 0, 1, 2 (as Qwen3-VL's [8, 16, 24] of 27), and a Qwen3 decoder (q/k norms, no
    /// attention biases) with M-RoPE interleaved as [1/4, 3/8, 3/8] of head_dim/2. Special ids at the top of the
    /// vocabulary as in <see cref="Qwen25VLConfig"/>.
    /// </summary>
    public static Qwen3VLConfig Qwen3VLConfig(SyntheticShape s)
    {
        int headDim = s.Hidden / s.Heads, half = headDim / 2;
        int t = half / 4, h = (half - t) / 2;
        int[] deepstack = new[] { 1, 2, 3 }.Select(q => q * s.VisionLayers / 4).Where(b => b < s.VisionLayers).Distinct()
            .Take(Math.Min(3, s.Layers)).ToArray();
        return new()
        {
            ModelType = "qwen3_vl",
            Directory = "(synthetic)",
            ImageTokenId = s.Vocab - 1,
            VisionStartTokenId = s.Vocab - 5,
            VisionEndTokenId = s.Vocab - 4,
            VideoTokenId = s.Vocab - 3,
            Vision = new Qwen3VisionConfig
            {
                Depth = s.VisionLayers, HiddenSize = s.VisionHidden, HiddenAct = "gelu_pytorch_tanh", IntermediateSize = 4 * s.VisionHidden,
                NumHeads = Math.Max(1, s.VisionHidden / 64), InChannels = 3, PatchSize = Qwen3PatchSize, SpatialMergeSize = 2,
                TemporalPatchSize = 2, OutHiddenSize = s.Hidden, NumPositionEmbeddings = 2304, DeepstackVisualIndexes = deepstack,
            },
            Text = new TextDecoderConfig
            {
                ModelType = "qwen3", VocabSize = s.Vocab, HiddenSize = s.Hidden, IntermediateSize = s.Intermediate,
                NumLayers = s.Layers, NumHeads = s.Heads, NumKeyValueHeads = s.KeyValueHeads, HeadDim = headDim,
                RmsNormEps = 1e-6, RopeTheta = 5_000_000, MropeSection = [t, h, half - t - h], MropeLayout = Modules.MropeLayout.Interleaved,
                QkNorm = true, QkvBias = false, OutputBias = false, MlpBias = false, HiddenAct = "silu", MaxPositionEmbeddings = 32768,
                TieWordEmbeddings = false, BosTokenId = null, EosTokenIds = [2],
            },
        };
    }

    public static Qwen3VLModel Qwen3VL(SyntheticShape shape, int seed = 0)
    {
        torch.manual_seed(seed);
        var model = new Qwen3VLModel(Qwen3VLConfig(shape));
        model.eval();
        foreach (var p in model.parameters()) p.requires_grad = false;
        return model;
    }

    /// <summary>SmolVLM-256M's frame: 512 pixels, patch 16, pixel shuffle ×4, so 8 × 8 = 64 tokens per frame.</summary>
    public const int Idefics3FrameSize = 512, Idefics3PatchSize = 16, Idefics3ScaleFactor = 4;

    /// <summary>
    /// An Idefics3 / SmolVLM layout: a SigLIP tower of <see cref="SyntheticShape.VisionLayers"/> × <see cref="SyntheticShape.VisionHidden"/>
    /// over 512-pixel frames, the pixel-shuffle connector and a Llama decoder. Image id V−1.
    /// </summary>
    public static Idefics3Config Idefics3Config(SyntheticShape s) => new()
    {
        ModelType = "idefics3",
        Directory = "(synthetic)",
        ImageTokenId = s.Vocab - 1,
        ScaleFactor = Idefics3ScaleFactor,
        Vision = new Idefics3VisionConfig
        {
            HiddenSize = s.VisionHidden, IntermediateSize = 4 * s.VisionHidden, NumLayers = s.VisionLayers,
            NumHeads = Math.Max(1, s.VisionHidden / 64), NumChannels = 3, ImageSize = Idefics3FrameSize, PatchSize = Idefics3PatchSize,
            HiddenAct = "gelu_pytorch_tanh", LayerNormEps = 1e-6,
        },
        Text = new TextDecoderConfig
        {
            ModelType = "llama", VocabSize = s.Vocab, HiddenSize = s.Hidden, IntermediateSize = s.Intermediate,
            NumLayers = s.Layers, NumHeads = s.Heads, NumKeyValueHeads = s.KeyValueHeads, HeadDim = s.Hidden / s.Heads,
            RmsNormEps = 1e-5, RopeTheta = 100000, QkvBias = false, OutputBias = false, MlpBias = false, HiddenAct = "silu",
            MaxPositionEmbeddings = 8192, TieWordEmbeddings = false, BosTokenId = 1, EosTokenIds = [2],
        },
    };

    public static Idefics3Model Idefics3(SyntheticShape shape, int seed = 0)
    {
        torch.manual_seed(seed);
        var model = new Idefics3Model(Idefics3Config(shape));
        model.eval();
        foreach (var p in model.parameters()) p.requires_grad = false;
        return model;
    }

    /// <summary>
    /// A LLaVA-NeXT layout: LLaVA's CLIP tower and Llama decoder, AnyRes tiles of side·14 pixels with the default
    /// pinpoints scaled to that tile (1×2, 2×1, 2×2, 3×1, 1×3 tiles), so a tile has LLaVA's side² patches.
    /// </summary>
    public static LlavaNextConfig LlavaNextConfig(SyntheticShape s)
    {
        var llava = LlavaConfig(s);
        int tile = llava.Vision.ImageSize;
        return new()
        {
            ModelType = "llava_next",
            Directory = "(synthetic)",
            ImageTokenId = llava.ImageTokenId,
            ImageSeqLength = llava.ImageSeqLength,
            VisionFeatureLayers = llava.VisionFeatureLayers,
            ProjectorHiddenAct = llava.ProjectorHiddenAct,
            ProjectorBias = llava.ProjectorBias,
            Vision = llava.Vision,
            Text = llava.Text,
            TextModelType = "llama",
            ImageGridPinpoints = AnyResolution.DefaultPinpoints.Select(p => new PixelSize(p.Width / 336 * tile, p.Height / 336 * tile)).ToArray(),
        };
    }

    public static LlavaNextModel LlavaNext(SyntheticShape shape, int seed = 0)
    {
        torch.manual_seed(seed);
        var model = new LlavaNextModel(LlavaNextConfig(shape));
        model.eval();
        foreach (var p in model.parameters()) p.requires_grad = false;
        return model;
    }
}
