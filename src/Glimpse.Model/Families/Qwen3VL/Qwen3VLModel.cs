using Glimpse.Model.Families.Qwen2VL;
using Glimpse.Model.Modules;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Glimpse.Model.Families.Qwen3VL;

/// <summary>
/// Qwen3-VL: a ViT with a learned, interpolated position grid and DeepStack mergers, and a Qwen3 decoder (q/k norms,
/// interleaved M-RoPE) that gets DeepStack feature k added to the image-token rows after layer k. Qwen2-VL's patch
/// rows and multimodal positions; still images only.
/// </summary>
public sealed class Qwen3VLModel(Qwen3VLConfig config)
    : QwenVisionLanguageModel<Qwen3VisionTransformer>(nameof(Qwen3VLModel), "Qwen3-VL", config, new Qwen3VisionTransformer(config.Vision))
{
    /// <summary>The image features carry one DeepStack feature per decoder layer it is added after.</summary>
    public override int DecoderAdditionLayers => config.Vision.DeepstackVisualIndexes.Length;
}

/// <summary>The Qwen3-VL vision tower (<c>visual</c>).</summary>
public sealed class Qwen3VisionTransformer : CheckpointModule, IQwenVisionTower
{
    private readonly Qwen3VisionConfig _c;
    private readonly VisionPatchEmbed _patchEmbed;
    private readonly InterpolatedPositionEmbedding _posEmbed;
    private readonly ModuleList<VisionBlock> _blocks;
    private readonly PatchMerger _merger;
    private readonly ModuleList<PatchMerger> _deepstackMergers;
    private readonly VisionRotary _rotary;

    public Qwen3VisionTransformer(Qwen3VisionConfig c) : base(nameof(Qwen3VisionTransformer))
    {
        _c = c;
        _patchEmbed = new VisionPatchEmbed(c.InChannels, c.HiddenSize, c.TemporalPatchSize, c.PatchSize, bias: true);
        _posEmbed = new InterpolatedPositionEmbedding(c.NumPositionEmbeddings, c.HiddenSize);
        _blocks = nn.ModuleList(Enumerable.Range(0, c.Depth).Select(_ => new VisionBlock(VisionBlockNames.Qwen,
            new VisionNorm(NormKind.LayerNorm, c.HiddenSize, c.LayerNormEps),
            new SegmentedVisionAttention(c.HiddenSize, c.NumHeads),
            new VisionNorm(NormKind.LayerNorm, c.HiddenSize, c.LayerNormEps),
            new VisionMlp(c.HiddenSize, c.IntermediateSize, c.HiddenAct, ("linear_fc1", "linear_fc2")))).ToArray());
        _merger = new PatchMerger(NormKind.LayerNorm, c.HiddenSize, c.SpatialMergeSize, c.OutHiddenSize, c.LayerNormEps, PatchMergerLayout.Qwen3);
        _deepstackMergers = nn.ModuleList(c.DeepstackVisualIndexes.Select(_ => new PatchMerger(NormKind.LayerNorm, c.HiddenSize,
            c.SpatialMergeSize, c.OutHiddenSize, c.LayerNormEps, PatchMergerLayout.Qwen3PostShuffleNorm)).ToArray());
        _rotary = new VisionRotary(c.HiddenSize / c.NumHeads);
        register_module("patch_embed", _patchEmbed);
        register_module("pos_embed", _posEmbed);
        register_module("blocks", _blocks);
        register_module("merger", _merger);
        register_module("deepstack_merger_list", _deepstackMergers);
    }

    /// <param name="pixels">[Np, C·T·P·P] patch rows in the processor's merge-block order</param>
    /// <param name="gridThw">(t, h, w) in patches</param>
    /// <param name="trace">when given, receives the patch embedding, each block's output, each DeepStack feature and the merger output</param>
    /// <returns>[Np / merge², (1 + M)·D_text]: the merger's rows, then DeepStack feature 0 … M−1 side by side</returns>
    public Tensor Forward(Tensor pixels, long[] gridThw, List<Tensor>? trace = null)
    {
        using var scope = NewDisposeScope();
        QwenPatchRows.Validate(pixels, gridThw, _c.InChannels, _c.TemporalPatchSize, _c.PatchSize, _c.SpatialMergeSize, "Qwen3-VL");

        var x = _patchEmbed.Forward(pixels);                                                  // [Np, C]
        trace?.Add(x.alias().DetachFromDisposeScope());
        x = x + PositionEmbedding(gridThw);
        var (cos, sin) = VisionRotary.Tables(RotaryAngles(gridThw, pixels.device));          // [Np, hd]
        var frames = VisionSegments.PerFrame(gridThw);   // each frame attends only to itself
        var deepstack = new List<Tensor>();
        for (int b = 0; b < _blocks.Count; b++)
        {
            x = _blocks[b].Forward(x, new VisionAttentionInputs(cos, sin, frames));
            trace?.Add(x.alias().DetachFromDisposeScope());
            // Features are listed in block order, each through the merger at its block's place in the index list.
            int merger = Array.IndexOf(_c.DeepstackVisualIndexes, b);
            if (merger >= 0) deepstack.Add(_deepstackMergers[merger].Forward(x));             // [Np / merge², D_text]
        }
        var merged = _merger.Forward(x);                                                      // [Np / merge², D_text]
        if (trace is not null)
            foreach (var t in deepstack.Append(merged)) trace.Add(t.alias().DetachFromDisposeScope());
        return torch.cat([merged, .. deepstack], -1).MoveToOuterDisposeScope();
    }

    /// <summary>The learned position grid interpolated to the image, processor order: [t·h·w, C].</summary>
    public Tensor PositionEmbedding(long[] gridThw) => _posEmbed.Forward(gridThw, _c.SpatialMergeSize);

    /// <summary>Which position-grid entries each patch row blends, processor order: indices and weights [4, t·h·w].</summary>
    public (Tensor Indices, Tensor Weights) PositionBlend(long[] gridThw, Device device) => _posEmbed.Blend(gridThw, _c.SpatialMergeSize, device);

    /// <summary>2-D rotary angles per patch row: the h-angles, then the w-angles ([Np, head_dim/2], float32).</summary>
    public Tensor RotaryAngles(long[] gridThw, Device device) => _rotary.Angles(gridThw, _c.SpatialMergeSize, device);
}
