using Glimpse.Model.Architectures;
using Glimpse.Model.Configuration;
using Glimpse.Model.Modules;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Glimpse.Model.Families.Qwen2VL;

/// <summary>
/// Qwen2-VL: a vision transformer over pre-cut patch rows with 2-D rotary positions, a merger that folds each 2×2
/// block of patches into one LLM token, and a Qwen2 decoder with multimodal rotary positions (t, h, w).
/// </summary>
public sealed class Qwen2VLModel(Qwen2VLConfig config)
    : QwenVisionLanguageModel<Qwen2VisionTransformer>(nameof(Qwen2VLModel), "Qwen2-VL", config, new Qwen2VisionTransformer(config.Vision));

/// <summary>The Qwen2-VL vision tower (<c>visual</c>).</summary>
public sealed class Qwen2VisionTransformer : CheckpointModule, IQwenVisionTower
{
    private readonly Qwen2VisionConfig _c;
    private readonly VisionPatchEmbed _patchEmbed;
    private readonly ModuleList<VisionBlock> _blocks;
    private readonly PatchMerger _merger;
    private readonly VisionRotary _rotary;

    public Qwen2VisionTransformer(Qwen2VisionConfig c) : base(nameof(Qwen2VisionTransformer))
    {
        _c = c;
        _patchEmbed = new VisionPatchEmbed(c.InChannels, c.EmbedDim, c.TemporalPatchSize, c.PatchSize);
        _blocks = nn.ModuleList(Enumerable.Range(0, c.Depth).Select(_ => new VisionBlock(VisionBlockNames.Qwen,
            new VisionNorm(NormKind.LayerNorm, c.EmbedDim, c.LayerNormEps),
            new SegmentedVisionAttention(c.EmbedDim, c.NumHeads),
            new VisionNorm(NormKind.LayerNorm, c.EmbedDim, c.LayerNormEps),
            new VisionMlp(c.EmbedDim, (int)(c.EmbedDim * c.MlpRatio), c.HiddenAct))).ToArray());
        _merger = new PatchMerger(NormKind.LayerNorm, c.EmbedDim, c.SpatialMergeSize, c.OutputHiddenSize, c.LayerNormEps);
        _rotary = new VisionRotary(c.EmbedDim / c.NumHeads);
        register_module("patch_embed", _patchEmbed);
        register_module("blocks", _blocks);
        register_module("merger", _merger);
    }

    /// <param name="pixels">[Np, C·T·P·P] patch rows in the processor's merge-block order</param>
    /// <param name="gridThw">(t, h, w) in patches</param>
    /// <param name="trace">when given, receives the patch embedding and each block's output</param>
    /// <returns>[Np / merge², D_text]</returns>
    public Tensor Forward(Tensor pixels, long[] gridThw, List<Tensor>? trace = null)
    {
        using var scope = NewDisposeScope();
        QwenPatchRows.Validate(pixels, gridThw, _c.InChannels, _c.TemporalPatchSize, _c.PatchSize, _c.SpatialMergeSize, "Qwen2-VL");

        var x = _patchEmbed.Forward(pixels);                                                  // [Np, C]
        trace?.Add(x.alias().DetachFromDisposeScope());
        var (cos, sin) = VisionRotary.Tables(RotaryAngles(gridThw, pixels.device));          // [Np, hd]
        var frames = VisionSegments.PerFrame(gridThw);   // each frame attends only to itself
        foreach (var block in _blocks)
        {
            x = block.Forward(x, new VisionAttentionInputs(cos, sin, frames));
            trace?.Add(x.alias().DetachFromDisposeScope());
        }
        return _merger.Forward(x).MoveToOuterDisposeScope();
    }

    /// <summary>2-D rotary angles per patch row: the h-angles, then the w-angles ([Np, head_dim/2], float32).</summary>
    public Tensor RotaryAngles(long[] gridThw, Device device) => _rotary.Angles(gridThw, _c.SpatialMergeSize, device);
}
